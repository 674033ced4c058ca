"""Pure statement logic: decoding, parsing, checks. No database, no network, no framework."""
