"""Each environment variable is read in one place: :mod:`m1env.settings`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from m1env import settings
from tests.test_boundaries import ROOT, _sources


def _environ_reads(path: Path) -> list[int]:
    """Lines of ``path`` that touch ``os.environ`` or call ``os.getenv``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("environ", "getenv", "environb")
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ]


def test_no_module_but_settings_reads_the_environment():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        if path != ROOT / "m1env" / "settings.py"
        for line in _environ_reads(path)
    ]
    assert not offenders, "read these through m1env.settings: " + ", ".join(offenders)


def test_the_scan_sees_a_read(tmp_path):
    snippet = tmp_path / "x.py"
    snippet.write_text("import os\nurl = os.environ.get('M1ENV_DATABASE_URL')\n")
    assert _environ_reads(snippet) == [2]


def test_every_setting_has_one_name_and_is_documented():
    names = [s.name for s in settings.SETTINGS]
    assert len(names) == len(set(names)) and len(names) >= 20
    doc = settings.__doc__ or ""
    assert [n for n in names if f"``{n}``" not in doc] == []


def test_blank_means_unset_and_bad_numbers_name_the_variable(monkeypatch):
    monkeypatch.setenv("M1ENV_SANDBOX_UID", "   ")
    assert settings.SANDBOX_UID.get() is None
    monkeypatch.setenv("M1ENV_JUDGE_MODEL", "")
    from m1env.grm import JudgeConfig

    assert JudgeConfig.from_env().model == JudgeConfig.model  # the config's default stands
    monkeypatch.setenv("M1ENV_API_KEYS", " a, ,b ")
    assert settings.API_KEYS.get_list() == ["a", "b"]
    monkeypatch.setenv("M1ENV_MAX_ATTEMPTS", "three")
    with pytest.raises(ValueError, match="M1ENV_MAX_ATTEMPTS must be an integer"):
        settings.MAX_ATTEMPTS.get_int()
    monkeypatch.setenv("M1ENV_MAX_ATTEMPTS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        settings.MAX_ATTEMPTS.get_int(minimum=1)
