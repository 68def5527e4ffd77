"""``${key}`` (same section or DEFAULT) and ``${section:key}`` references."""

import re

from iniconf.errors import InterpolationError

_REF = re.compile(r"\$\{([^}:]+)(?::([^}]+))?\}")


def interpolate(sections, section, value, _seen=()):
    def replace(m):
        if m.group(2) is None:
            ref_section, key = section, m.group(1).strip().lower()
        else:
            ref_section, key = m.group(1).strip(), m.group(2).strip().lower()
        where = (ref_section, key)
        if where in _seen:
            chain = " -> ".join(f"{s}:{k}" for s, k in (*_seen, where))
            raise InterpolationError(f"circular reference: {chain}")
        options = sections.get(ref_section, {})
        if key in options:
            raw = options[key]
        elif key in sections["DEFAULT"]:
            raw = sections["DEFAULT"][key]
        else:
            raise InterpolationError(f"unknown reference ${{{m.group(0)[2:-1]}}}")
        return interpolate(sections, ref_section, raw, (*_seen, where))

    return _REF.sub(replace, value)
