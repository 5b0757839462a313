"""The one exception type the CLI turns into a single clear error line."""


class WasmbenchError(Exception):
    """A problem the user can fix (bad name, missing tool, unreadable file); never a bug."""
