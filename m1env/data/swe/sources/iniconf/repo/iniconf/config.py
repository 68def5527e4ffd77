"""Typed access to parsed sections."""

from iniconf.errors import ConfigError, MissingOption
from iniconf.interpolate import interpolate
from iniconf.parser import parse

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}
_MISSING = object()


class Config:
    def __init__(self, sections):
        self._sections = sections

    @property
    def sections(self):
        return [name for name in self._sections if name != "DEFAULT"]

    def get(self, section, key, default=_MISSING):
        """The interpolated value; DEFAULT supplies keys a section lacks."""
        key = key.lower()
        if section not in self._sections:
            if default is not _MISSING:
                return default
            raise MissingOption(f"no section [{section}]")
        options = self._sections[section]
        if key in options:
            raw = options[key]
        elif key in self._sections["DEFAULT"]:
            raw = self._sections["DEFAULT"][key]
        elif default is not _MISSING:
            return default
        else:
            raise MissingOption(f"no option {key!r} in [{section}]")
        return interpolate(self._sections, section, raw, ((section, key),))

    def getint(self, section, key, default=_MISSING):
        value = self.get(section, key, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"[{section}] {key}: not an integer: {value!r}") from None

    def getbool(self, section, key, default=_MISSING):
        value = self.get(section, key, default)
        if isinstance(value, bool):
            return value
        low = str(value).lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE
        raise ConfigError(f"[{section}] {key}: not a boolean: {value!r}")

    def getlist(self, section, key, default=_MISSING):
        """Comma- or newline-separated items, stripped, blanks dropped."""
        value = self.get(section, key, default)
        if isinstance(value, list):
            return value
        return [item.strip() for item in value.replace("\n", ",").split(",") if item.strip()]


def load(text):
    return Config(parse(text))
