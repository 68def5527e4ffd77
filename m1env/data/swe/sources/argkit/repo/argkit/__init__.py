"""A small command-line option parser."""

from argkit.errors import ArgError
from argkit.help import format_help
from argkit.options import Option
from argkit.parser import Parser

__all__ = ["ArgError", "Option", "Parser", "format_help"]
