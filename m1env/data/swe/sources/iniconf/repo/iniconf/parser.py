"""Parsing INI text into ``{section: {key: raw value}}``.

- ``[section]`` headers; keys before the first header go to ``DEFAULT``;
- ``key = value`` or ``key: value``; keys are case-insensitive (stored lower-case);
- full-line comments start with ``;`` or ``#``; an inline comment starts at a ``;``
  or ``#`` preceded by whitespace, so ``x = 1 ; note`` is ``1`` while
  ``url = http://h/#top``, ``color = #fff`` and ``pw = a;b`` keep their values;
- indented lines continue the previous value (joined with a newline).
"""

import re

from iniconf.errors import ParseError

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_OPTION = re.compile(r"^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$")


def _strip_comment(value):
    return re.split(r"[;#]", value, maxsplit=1)[0].rstrip()


def parse(text):
    sections = {"DEFAULT": {}}
    current = sections["DEFAULT"]
    last_key = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        if line[0].isspace():
            if last_key is None:
                raise ParseError(f"line {number}: continuation without an option")
            current[last_key] += "\n" + _strip_comment(stripped)
            continue
        m = _SECTION.match(stripped)
        if m:
            name = m.group(1).strip()
            if name in sections and name != "DEFAULT":
                raise ParseError(f"line {number}: section [{name}] appears twice")
            current = sections.setdefault(name, {})
            last_key = None
            continue
        m = _OPTION.match(stripped)
        if not m:
            raise ParseError(f"line {number}: expected 'key = value', got {stripped!r}")
        last_key = m.group(1).strip().lower()
        current[last_key] = _strip_comment(m.group(2))
    return sections
