"""Versioned prompt templates, kept as files in ``grm/templates/<name>-v<N>.txt``.

A template's identity is its name, version and a hash of its text, so a cached
verdict or a stored judge call always says exactly which prompt produced it, and
editing a template file without bumping its version still changes the cache key.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

from m1env.errors import TemplateError

__all__ = ["Template", "available_templates", "load_template"]

_NAME = re.compile(r"^(?P<kind>[a-z]+)-v(?P<version>\d+)$")


@dataclass(frozen=True)
class Template:
    name: str  # e.g. "pointwise-v1"
    kind: str  # "pointwise" | "pairwise"
    version: int
    text: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    @property
    def key(self) -> str:
        """What cache keys and stored calls record: name plus content hash."""
        return f"{self.name}@{self.digest}"

    @property
    def fields(self) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self.text) if f}

    def render(self, **values: str) -> str:
        missing = self.fields - values.keys()
        if missing:
            raise TemplateError(f"template {self.name} needs {sorted(missing)}")
        return self.text.format(**{k: values[k] for k in self.fields})


def available_templates() -> list[str]:
    folder = resources.files("m1env.grm") / "templates"
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".txt"))


@cache
def load_template(name: str) -> Template:
    match = _NAME.match(name)
    if not match:
        raise TemplateError(f"template names look like 'pointwise-v1', got {name!r}")
    path = resources.files("m1env.grm") / "templates" / f"{name}.txt"
    if not path.is_file():
        raise TemplateError(f"unknown template {name!r}; available: {available_templates()}")
    return Template(name, match["kind"], int(match["version"]), path.read_text("utf-8"))
