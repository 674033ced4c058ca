"""The composition of the five services: embedded host, gateway, distributed launcher and CLI.

This package may import every service; the services never import it or each other."""
