"""Taking the program out of a completion: fenced code blocks.

A fence is a line starting (after at most three spaces) with three or more backticks
or tildes, optionally followed by an info string whose first word is the language
tag (```` ```python ````); the block ends at a line holding only a fence of the same
character at least as long. Blocks that never close are ignored (a truncated
completion is not a program). Scanning is one pass over the lines: O(n) on any input.

:func:`find_program` picks the last (or first) block tagged with the requested
language; untagged blocks count when no tagged block matches and ``allow_untagged``
is set. When only blocks in *other* languages exist it says so, so the reason given
to the policy is "wrong language", not "no code".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "LANGUAGE_TAGS",
    "CodeBlock",
    "Extraction",
    "canonical_language",
    "fenced_blocks",
    "find_program",
]

#: Fence tags accepted for each canonical (sandbox) language name.
LANGUAGE_TAGS: dict[str, frozenset[str]] = {
    "python3": frozenset({"python", "python3", "py", "py3", "pypy", "pypy3"}),
    "c++": frozenset(
        {"cpp", "c++", "cc", "cxx", "c++11", "c++14", "c++17", "c++20", "cpp17", "cpp20"}
    ),
    "c": frozenset({"c", "c11", "c17", "gnu17"}),
}
_ALIASES = {tag: lang for lang, tags in LANGUAGE_TAGS.items() for tag in tags}
_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$")


def canonical_language(name: str) -> str:
    """``python``/``py``/``python3`` -> ``python3``, ``cpp``/``c++`` -> ``c++`` ...; ValueError otherwise."""
    key = name.strip().lower() if isinstance(name, str) else ""
    if key not in _ALIASES:
        known = ", ".join(sorted(LANGUAGE_TAGS))
        raise ValueError(f"unsupported language {name!r}; supported: {known}")
    return _ALIASES[key]


@dataclass(frozen=True)
class CodeBlock:
    """One closed fenced block: its tag (lower-cased, may be empty) and its body."""

    tag: str
    code: str

    @property
    def language(self) -> str | None:
        return _ALIASES.get(self.tag)


@dataclass(frozen=True)
class Extraction:
    """The chosen program, or why none was chosen (``verdict`` is then set)."""

    code: str | None
    verdict: str = ""
    reason: str = ""
    blocks: int = 0


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every closed fenced block of ``text``, in order."""
    blocks: list[CodeBlock] = []
    fence: str | None = None
    tag = ""
    body: list[str] = []
    for line in text.splitlines():
        if fence is None:
            match = _OPEN.match(line)
            if match:
                fence, tag, body = match.group(1), match.group(2).lower(), []
            continue
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if indent <= 3 and stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
            blocks.append(CodeBlock(tag, "\n".join(body) + "\n"))
            fence = None
        else:
            body.append(line)
    return blocks


def find_program(
    text: str, language: str, *, which: str = "last", allow_untagged: bool = True
) -> Extraction:
    """The program in ``language`` (canonical name) to run, per the module docstring."""
    blocks = fenced_blocks(text)
    if not blocks:
        return Extraction(
            None, "no_code", "no complete fenced code block (```...```) in the response"
        )
    tagged = [b for b in blocks if b.language == language]
    pool = tagged or ([b for b in blocks if not b.tag] if allow_untagged else [])
    if not pool:
        others = sorted({b.tag or "untagged" for b in blocks})
        return Extraction(
            None,
            "wrong_language",
            f"no {language} code block; found blocks tagged {', '.join(others)}",
            len(blocks),
        )
    chosen = pool[-1] if which == "last" else pool[0]
    if not chosen.code.strip():
        return Extraction(
            None, "no_code", f"the chosen {language} code block is empty", len(blocks)
        )
    return Extraction(chosen.code, blocks=len(blocks))
