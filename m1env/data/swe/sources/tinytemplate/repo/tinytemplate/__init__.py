"""A tiny template language: ``{{ var|filter }}``, ``{% if %}`` and ``{% for %}``."""

from tinytemplate.errors import TemplateError, TemplateSyntaxError, UndefinedError
from tinytemplate.template import Template, render

__all__ = ["Template", "TemplateError", "TemplateSyntaxError", "UndefinedError", "render"]
