"""``python -m mutabik``: the same as the ``mutabik`` command."""

from .cli import main

main()
