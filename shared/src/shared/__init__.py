"""Code every Mutabık service uses. Nothing here imports a service, and nothing has import-time effects."""
