"""The parsed template tree and how each node renders."""

from dataclasses import dataclass, field

from tinytemplate.errors import UndefinedError
from tinytemplate.filters import get_filter


def lookup(context, dotted):
    """``user.name`` looks up ``context["user"]`` then its key or attribute ``name``."""
    head, *rest = dotted.split(".")
    if head not in context:
        raise UndefinedError(f"undefined variable {head!r}")
    value = context[head]
    for part in rest:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise UndefinedError(f"{dotted!r}: no {part!r}")
    return value


@dataclass
class Text:
    text: str

    def render(self, context):
        return self.text


@dataclass
class Var:
    name: str
    filters: list = field(default_factory=list)

    def render(self, context):
        value = lookup(context, self.name)
        for name in self.filters:
            value = get_filter(name)(value)
        return str(value)


@dataclass
class If:
    condition: str
    body: list
    orelse: list

    def render(self, context):
        negate = self.condition.startswith("not ")
        name = self.condition[4:].strip() if negate else self.condition
        value = bool(lookup(context, name)) if name.split(".")[0] in context else False
        branch = self.body if value != negate else self.orelse
        return "".join(node.render(context) for node in branch)


@dataclass
class For:
    target: str
    iterable: str
    body: list

    def render(self, context):
        out = []
        for item in lookup(context, self.iterable):
            inner = {**context, self.target: item}
            out.append("".join(node.render(inner) for node in self.body))
        return "".join(out)
