from argkit import Parser, format_help


def test_help_text():
    p = Parser("copy", "Copy files.")
    p.add_option("-f", "--force", action="flag", help="overwrite")
    p.add_option("--mode", help="file mode")
    p.add_positional("src")
    assert format_help(p) == (
        "usage: copy [options] SRC\n"
        "\n"
        "Copy files.\n"
        "\n"
        "options:\n"
        "  -f, --force             overwrite\n"
        "  --mode MODE             file mode\n"
    )
