"""Benchmarks: figures measured against the fake Bot API server, printed as a table; not part of the test run."""
