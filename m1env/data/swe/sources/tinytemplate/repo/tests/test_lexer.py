from tinytemplate.lexer import tokenize


def test_kinds_and_lines():
    tokens = tokenize("a\n{{ x }}\n{% if y %}\nb\n{% endif %}")
    assert [(t.kind, t.value, t.line) for t in tokens] == [
        ("text", "a\n", 1),
        ("var", "x", 2),
        ("text", "\n", 2),
        ("block", "if y", 3),
        ("text", "\nb\n", 3),
        ("block", "endif", 5),
    ]


def test_text_only():
    assert [t.kind for t in tokenize("just text")] == ["text"]
