"""Hithonix attendance backend: the Python side (worker, CLI, Keka client and sandbox).

The database is the application; this package only migrates it, runs the
embedded development cluster, talks HTTP to Keka and runs operator commands.
"""
