"""Exceptions of argkit."""


class ArgError(ValueError):
    """The command line does not fit the declared options."""
