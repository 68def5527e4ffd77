"""Exceptions of iniconf."""


class ConfigError(ValueError):
    """Base class."""


class ParseError(ConfigError):
    """The text is not a valid INI file; the message names the line."""


class MissingOption(ConfigError, KeyError):
    """The section or option does not exist."""


class InterpolationError(ConfigError):
    """A ``${...}`` reference is unknown or circular."""
