"""Exceptions of tinytemplate."""


class TemplateError(Exception):
    """Base class."""


class TemplateSyntaxError(TemplateError):
    """The template text is malformed."""


class UndefinedError(TemplateError):
    """A variable is not in the context."""
