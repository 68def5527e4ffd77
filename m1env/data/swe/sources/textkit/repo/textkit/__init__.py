"""Small text utilities."""

from textkit.normalize import strip_accents
from textkit.slug import slugify

__all__ = ["slugify", "strip_accents"]
