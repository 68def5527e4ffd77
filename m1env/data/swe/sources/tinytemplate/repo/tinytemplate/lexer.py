"""Splitting template text into text, variable and block tokens."""

import re
from dataclasses import dataclass

from tinytemplate.errors import TemplateSyntaxError

# A variable tag {{ ... }} or a block tag {% ... %}; anything else is text.
_TAG = re.compile(r"({{.*}}|{%.*%})")


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "var" or "block"
    value: str
    line: int


def tokenize(source):
    """The tokens of ``source``, in order; tag contents are stripped of spaces."""
    tokens = []
    line = 1
    for piece in _TAG.split(source):
        if not piece:
            continue
        if piece.startswith("{{"):
            tokens.append(Token("var", _inner(piece, "}}", line), line))
        elif piece.startswith("{%"):
            tokens.append(Token("block", _inner(piece, "%}", line), line))
        else:
            if "{{" in piece or "{%" in piece:
                raise TemplateSyntaxError(f"line {line}: unclosed tag")
            tokens.append(Token("text", piece, line))
        line += piece.count("\n")
    return tokens


def _inner(piece, close, line):
    inner = piece[2:-2].strip()
    if not inner:
        raise TemplateSyntaxError(f"line {line}: empty tag {piece!r}")
    if not piece.endswith(close):
        raise TemplateSyntaxError(f"line {line}: mismatched tag {piece!r}")
    return inner
