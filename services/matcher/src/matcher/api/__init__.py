"""matcher over HTTP: one router per area."""
