"""Word wrapping, paragraph filling and line alignment for plain text."""

from wraptext.align import center, justify
from wraptext.tokens import NBSP, split_words
from wraptext.wrap import fill, fill_paragraphs, wrap

__all__ = ["NBSP", "center", "fill", "fill_paragraphs", "justify", "split_words", "wrap"]
