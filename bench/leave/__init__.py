"""Leave benchmarks (issue 12): the request+approve path with pgbench against a
bare single-row INSERT in the same run, and ``leave_summary`` over 10,000
employees x one year. ``python -m bench.leave`` (also run by ``make bench``)."""
