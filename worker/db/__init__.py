"""Database tooling: the migration runner, the embedded cluster, index maintenance, role URLs."""
