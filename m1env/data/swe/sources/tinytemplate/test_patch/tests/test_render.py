import pytest

from tinytemplate import Template, TemplateSyntaxError, UndefinedError, render


def test_plain_text():
    assert render("no tags here") == "no tags here"


def test_variable_and_filter():
    assert render("Hello {{ name|title }}!", name="ada lovelace") == "Hello Ada Lovelace!"


def test_dotted_lookup():
    assert render("{{ user.email }}", user={"email": "a@b.c"}) == "a@b.c"


def test_escape():
    assert render("{{ x|escape }}", x='<a href="#">') == "&lt;a href=&quot;#&quot;&gt;"


def test_for_loop_on_separate_lines():
    src = "{% for item in items %}\n- {{ item }}\n{% endfor %}\n"
    assert render(src, items=["a", "b"]) == "\n- a\n\n- b\n\n"


def test_if_else():
    src = "{% if admin %}\nroot\n{% else %}\nguest\n{% endif %}"
    assert render(src, admin=True) == "\nroot\n"
    assert render(src, admin=False) == "\nguest\n"


def test_template_is_reusable():
    t = Template("{{ n }}")
    assert [t.render(n=i) for i in range(3)] == ["0", "1", "2"]


def test_undefined_variable():
    with pytest.raises(UndefinedError):
        render("{{ missing }}")


@pytest.mark.parametrize(
    "src",
    ["{{ }}", "{% for x %}\n{% endfor %}", "{{ a|nope }}", "{% if a %}"],
    ids=["empty-tag", "bad-for", "unknown-filter", "if-without-endif"],
)
def test_syntax_errors(src):
    with pytest.raises(TemplateSyntaxError):
        render(src, a=1)


def test_two_variables_on_one_line():
    assert render("{{ first }} {{ last|upper }}", first="Ada", last="Lovelace") == "Ada LOVELACE"


def test_inline_loop():
    src = "<ul>{% for t in tags %}<li>{{ t|escape }}</li>{% endfor %}</ul>"
    assert render(src, tags=["a&b", "c"]) == "<ul><li>a&amp;b</li><li>c</li></ul>"


def test_inline_if_else():
    src = "{% if user %}Hi {{ user }}{% else %}Log in{% endif %}."
    assert render(src, user="bo") == "Hi bo."
    assert render(src, user="") == "Log in."
