"""reconciliation's pure rules: no I/O."""
