"""The demo tenant's data: a Turkish food producer with three bank accounts, thirteen
counterparties, two months of ERP books and a few days of bank statements, loaded over the
public REST API (``mutabik up`` on its first start, or ``mutabik demo load``). See docs/demo.md."""

from .loader import DemoLoadError, DemoSummary, load_demo

__all__ = ["DemoLoadError", "DemoSummary", "load_demo"]
