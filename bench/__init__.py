"""The benchmark suite (``make bench`` → ``python -m bench``), issue #6.

Owns nothing but measuring: it builds a deterministic company on a throwaway
cluster (or a ``hithonix_bench`` database on an existing server), times the
product's hot paths against baselines measured in the same run, prints a table
and saves every number as JSON under ``bench/results/``.
"""
