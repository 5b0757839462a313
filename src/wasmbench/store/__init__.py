"""Storing what was measured: the journal, its lock, result files and where they go."""
