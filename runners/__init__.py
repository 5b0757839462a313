"""Runner plugins: one file per runtime, each a ``wasmbench.runtimes.runner.Runner`` subclass.

They are registered under the ``wasmbench.runners`` entry-point group in ``pyproject.toml``;
adding a runtime is adding one file here (or in another package) and one entry point.
"""
