"""Building the node tree from tokens."""

import re

from tinytemplate.errors import TemplateSyntaxError
from tinytemplate.filters import get_filter
from tinytemplate.lexer import tokenize
from tinytemplate.nodes import For, If, Text, Var

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_FOR = re.compile(r"^for\s+(\w+)\s+in\s+(\S+)$")


def _name(text, line):
    if not _NAME.match(text):
        raise TemplateSyntaxError(f"line {line}: bad variable name {text!r}")
    return text


def parse(source):
    nodes, end = _parse(tokenize(source), 0, ())
    if end is not None:
        raise TemplateSyntaxError(f"unexpected {{% {end} %}}")
    return nodes


def _parse(tokens, start, stops):
    """Nodes from ``tokens[start:]`` until a block in ``stops``; returns (nodes, stop)."""
    nodes = []
    i = start
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "text":
            nodes.append(Text(tok.value))
        elif tok.kind == "var":
            name, *filters = (p.strip() for p in tok.value.split("|"))
            for f in filters:
                get_filter(f)
            nodes.append(Var(_name(name, tok.line), filters))
        else:
            word = tok.value.split()[0]
            if word in stops:
                tokens[:] = tokens[i + 1 :]
                return nodes, tok.value
            if word == "if":
                cond = tok.value[2:].strip()
                _name(cond.removeprefix("not ").strip(), tok.line)
                tokens[:] = tokens[i + 1 :]
                body, stop = _parse(tokens, 0, ("else", "endif"))
                orelse = []
                if stop == "else":
                    orelse, stop = _parse(tokens, 0, ("endif",))
                if stop != "endif":
                    raise TemplateSyntaxError(f"line {tok.line}: if without endif")
                nodes.append(If(cond, body, orelse))
                i = 0
                continue
            if word == "for":
                m = _FOR.match(tok.value)
                if not m:
                    raise TemplateSyntaxError(f"line {tok.line}: bad for tag {tok.value!r}")
                tokens[:] = tokens[i + 1 :]
                body, stop = _parse(tokens, 0, ("endfor",))
                if stop != "endfor":
                    raise TemplateSyntaxError(f"line {tok.line}: for without endfor")
                nodes.append(For(m.group(1), _name(m.group(2), tok.line), body))
                i = 0
                continue
            raise TemplateSyntaxError(f"line {tok.line}: unknown tag {word!r}")
        i += 1
    tokens[:] = []
    return nodes, None
