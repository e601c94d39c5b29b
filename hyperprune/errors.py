"""User-facing errors.

A :class:`UserError` is a mistake the user can fix (bad flag, missing file, invalid YAML).
The CLI prints its message as one line and exits with status 2, without a traceback.
"""


class UserError(Exception):
    """A problem with the user's input, reported as one line with a hint on how to fix it."""
