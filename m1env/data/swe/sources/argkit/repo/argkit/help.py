"""Usage and help text."""


def format_help(parser):
    lines = []
    usage = [parser.prog or "prog"]
    usage += ["[options]"] if parser.options else []
    usage += [dest.upper() for dest, _ in parser.positionals]
    lines.append("usage: " + " ".join(usage))
    if parser.description:
        lines += ["", parser.description]
    if parser.options:
        lines += ["", "options:"]
        for opt in parser.options:
            names = ", ".join(opt.names)
            if opt.takes_value:
                names += " " + opt.dest.upper()
            lines.append(f"  {names:<24}{opt.help}".rstrip())
    return "\n".join(lines) + "\n"
