"""The parser: options and positionals from an argv list."""

from argkit.errors import ArgError
from argkit.options import Option


class Parser:
    def __init__(self, prog="", description=""):
        self.prog = prog
        self.description = description
        self.options = []
        self.positionals = []
        self._by_name = {}

    def add_option(self, *names, dest=None, **kwargs):
        dest = dest or names[-1].lstrip("-").replace("-", "_")
        opt = Option(tuple(names), dest, **kwargs)
        for name in names:
            if name in self._by_name:
                raise ValueError(f"option {name} declared twice")
            self._by_name[name] = opt
        self.options.append(opt)
        return opt

    def add_positional(self, dest, type=str):
        self.positionals.append((dest, type))

    def parse(self, argv):
        """``{dest: value}`` for every option and positional."""
        values = {opt.dest: opt.default for opt in self.options}
        rest = []
        args = list(argv)
        while args:
            arg = args.pop(0)
            if arg == "--":
                rest.extend(args)
                break
            if arg.startswith("--"):
                name, eq, inline = arg.partition("=")
                self._apply(self._lookup(name), inline if eq else None, args, values)
            elif arg.startswith("-") and len(arg) > 1:
                self._short(arg, args, values)
            else:
                rest.append(arg)
        if len(rest) != len(self.positionals):
            names = " ".join(d for d, _ in self.positionals) or "no arguments"
            raise ArgError(f"expected {names}, got {rest}")
        for (dest, kind), raw in zip(self.positionals, rest):
            try:
                values[dest] = kind(raw)
            except ValueError:
                raise ArgError(f"{dest}: invalid value {raw!r}") from None
        return values

    def _lookup(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise ArgError(f"unknown option {name}") from None

    def _short(self, arg, args, values):
        # -abc is -a -b -c; -ofile is -o file when -o takes a value.
        for i, letter in enumerate(arg[1:], 1):
            opt = self._lookup("-" + letter)
            if opt.takes_value:
                inline = arg[i + 1 :]
                self._apply(opt, inline or None, args, values)
                return
            self._apply(opt, None, args, values)

    def _apply(self, opt, inline, args, values):
        if not opt.takes_value:
            if inline is not None:
                raise ArgError(f"{opt.names[0]} takes no value")
            values[opt.dest] = True if opt.action == "flag" else values[opt.dest] + 1
            return
        if inline is None:
            if not args:
                raise ArgError(f"{opt.names[0]} needs a value")
            inline = args.pop(0)
        try:
            value = opt.convert(inline)
        except ValueError as exc:
            raise ArgError(str(exc)) from None
        if opt.action == "append":
            values[opt.dest].append(value)
        else:
            values[opt.dest] = value
