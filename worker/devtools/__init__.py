"""Development-only tools: the Keka sandbox, the PostgREST request emulator, the demo, the dev stack.

Product modules never import this package (a ruff rule enforces it); tests, bench and the
CLI's development commands do.
"""
