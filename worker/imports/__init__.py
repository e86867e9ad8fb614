"""Attendance imports: stream a file into the database's staging tables, preview, commit.

The rules (parsing, validation, the commit) are SQL (``sql/functions/6xx_imports_*``);
this package moves bytes and reports: ``files`` streams a file with COPY, ``session``
runs prepare/preview/commit as an operator, ``job`` is the worker's commit job.
"""
