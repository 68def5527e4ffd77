"""The dependency rules of the design: sandbox <- verifiers <- m1env -> grm,
policy <- trainer -> m1env; the scoring side never needs torch."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> top-level packages of ours it must never import
FORBIDDEN = {
    "sandbox": {"verifiers", "m1env", "grm", "policy", "trainer"},
    "verifiers": {"m1env", "grm", "policy", "trainer"},
    "grm": {"m1env", "policy", "trainer"},
    "policy": {"m1env", "verifiers", "sandbox", "grm", "trainer"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imports(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_scoring_side_does_not_import_torch():
    code = (
        "import sys, m1env, verifiers, m1env.cli\n"
        "m1env.cli.build_parser()\n"
        "for env_id in m1env.env_ids():\n"
        "    m1env.spec(env_id)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
