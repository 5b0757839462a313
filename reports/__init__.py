"""Aggregation of result files into tables (and, later, charts): one tidy frame, many views."""
