"""The host: a description recorded with every result, and what an instance costs."""
