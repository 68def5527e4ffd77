"""The public entry points."""

from tinytemplate.parser import parse


class Template:
    """A compiled template; ``render`` may be called many times."""

    def __init__(self, source):
        self.source = source
        self.nodes = parse(source)

    def render(self, context=None, **kwargs):
        context = {**(context or {}), **kwargs}
        return "".join(node.render(context) for node in self.nodes)


def render(source, context=None, **kwargs):
    return Template(source).render(context, **kwargs)
