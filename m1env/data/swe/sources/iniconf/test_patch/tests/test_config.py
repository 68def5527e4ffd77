import pytest

from iniconf import ConfigError, InterpolationError, MissingOption, load

INI = """
root = /srv
[paths]
data = ${root}/data
logs = ${data}/logs
[app]
debug = yes
workers = 4
hosts = a.example, b.example
    c.example
log_file = ${paths:logs}/app.log
"""


def test_typed_getters():
    cfg = load(INI)
    assert cfg.getbool("app", "debug") is True
    assert cfg.getint("app", "Workers") == 4
    assert cfg.getlist("app", "hosts") == ["a.example", "b.example", "c.example"]


def test_interpolation():
    cfg = load(INI)
    assert cfg.get("paths", "logs") == "/srv/data/logs"
    assert cfg.get("app", "log_file") == "/srv/data/logs/app.log"


def test_defaults_and_missing():
    cfg = load(INI)
    assert cfg.get("app", "root") == "/srv"
    assert cfg.get("app", "colour", "blue") == "blue"
    with pytest.raises(MissingOption):
        cfg.get("nope", "x")
    with pytest.raises(ConfigError):
        cfg.getint("app", "debug")


def test_circular_reference():
    cfg = load("[a]\nx = ${y}\ny = ${x}\n")
    with pytest.raises(InterpolationError, match="circular"):
        cfg.get("a", "x")


def test_interpolated_url_with_fragment():
    cfg = load("base = https://docs.example/guide#\n[links]\nsetup = ${base}setup\n")
    assert cfg.get("links", "setup") == "https://docs.example/guide#setup"
