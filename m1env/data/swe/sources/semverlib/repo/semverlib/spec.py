"""Range specs: ``>=1.2.0,<2``, ``^1.2.3``, ``~1.4.0``, ``==1.0.0``."""

import re

from semverlib.errors import InvalidSpec, InvalidVersion
from semverlib.version import Version, parse

_CLAUSE = re.compile(r"^(>=|<=|==|!=|>|<|\^|~)?\s*(\S+)$")
_OPS = {
    ">=": lambda v, b: v >= b,
    "<=": lambda v, b: v <= b,
    ">": lambda v, b: v > b,
    "<": lambda v, b: v < b,
    "==": lambda v, b: v == b,
    "!=": lambda v, b: v != b,
}


def _bound(text):
    parts = text.split(".")
    while len(parts) < 3 and "-" not in text:
        parts.append("0")
    return parse(".".join(parts))


def _expand(op, base):
    if op == "^":
        if base.major:
            upper = Version(base.major + 1, 0, 0)
        elif base.minor:
            upper = Version(0, base.minor + 1, 0)
        else:
            upper = Version(0, 0, base.patch + 1)
        return [(">=", base), ("<", upper)]
    if op == "~":
        return [(">=", base), ("<", Version(base.major, base.minor + 1, 0))]
    return [(op or "==", base)]


class Spec:
    """A conjunction of comparisons; ``Spec(">=1.0,<2").match("1.5.0")`` is True."""

    def __init__(self, text):
        self.text = text
        self.clauses = []
        for raw in text.split(","):
            m = _CLAUSE.match(raw.strip())
            if not m:
                raise InvalidSpec(f"bad clause {raw!r} in {text!r}")
            try:
                base = _bound(m.group(2))
            except InvalidVersion as exc:
                raise InvalidSpec(str(exc)) from None
            self.clauses.extend(_expand(m.group(1), base))

    def match(self, version):
        v = parse(version)
        return all(_OPS[op](v, base) for op, base in self.clauses)

    def __repr__(self):
        return f"Spec({self.text!r})"


def max_satisfying(versions, spec):
    """The highest of ``versions`` matching ``spec``, or None."""
    spec = spec if isinstance(spec, Spec) else Spec(spec)
    matching = [parse(v) for v in versions if spec.match(v)]
    return max(matching) if matching else None
