"""The pytest-benchmark suite: one test per (workload, size, runtime, mode) pair."""
