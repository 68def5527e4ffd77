"""Declared options."""

from dataclasses import dataclass

ACTIONS = ("store", "append", "flag", "count")


@dataclass
class Option:
    """One option.

    ``action``: ``store`` keeps the last value, ``append`` collects every value in a
    list (``default`` is the list to start from), ``flag`` is True when given,
    ``count`` counts repetitions (``-vvv``).
    """

    names: tuple
    dest: str
    action: str = "store"
    type: object = str
    default: object = None
    help: str = ""

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {self.action!r}")
        for name in self.names:
            if not name.startswith("-") or name in ("-", "--"):
                raise ValueError(f"option names start with - or --: {name!r}")
        if self.action == "flag" and self.default is None:
            self.default = False
        if self.action == "count" and self.default is None:
            self.default = 0
        if self.action == "append" and self.default is None:
            self.default = []

    def initial(self):
        """The value before any argument is seen; a fresh list for ``append``, so one
        parse never leaks values into the default or into the next parse."""
        return list(self.default) if self.action == "append" else self.default

    @property
    def takes_value(self):
        return self.action in ("store", "append")

    def convert(self, raw):
        try:
            return self.type(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{self.names[0]}: invalid value {raw!r}") from None
