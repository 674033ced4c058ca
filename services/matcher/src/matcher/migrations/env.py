from matcher.adapters import voucher_tables  # noqa: F401
from matcher.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
