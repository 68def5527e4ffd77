"""INI configuration files: parsing, typed getters and ``${...}`` interpolation."""

from iniconf.config import Config, load
from iniconf.errors import ConfigError, InterpolationError, MissingOption, ParseError
from iniconf.parser import parse

__all__ = [
    "Config",
    "ConfigError",
    "InterpolationError",
    "MissingOption",
    "ParseError",
    "load",
    "parse",
]
