"""The matcher's pure logic: no database, no bus, no HTTP."""
