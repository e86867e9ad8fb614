"""Front-desk visitors: the worker's side (the retention purge); the rules are SQL (sql/functions/940_visitors.sql)."""
