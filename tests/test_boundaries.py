"""The design's tiers and the direction of dependencies, stated as tests.

Every folder is shipped under one import root (``verifiers/`` is ``m1env.verifiers``, ...),
so a module's *unit* is read from its import name::

    sandbox  <-  verifiers  <-  core, catalogue  <-  infrastructure  <-  top floor
                 verifiers  <-  grm  <-  top floor
    policy   <-  trainer    <-  cli (the only part of m1env/ that imports the trainer or the policy)
    llm      <-  grm, trainer (the one OpenAI-compatible client)
    retry    <-  llm, client (the one retry engine of the HTTP clients)

core: ``m1env.task``, ``env``, ``registry``, ``checker``, ``sources``, ``spaces``, ``curriculum``;
catalogue: ``m1env.envs``; infrastructure: ``m1env.store``, ``m1env.queue``, ``m1env.scoring``,
``m1env.grm_sinks``;
top floor: ``m1env.service``, ``m1env.cli``, ``m1env.adapters``, ``m1env.client``, ``m1env.ui``.
llm: ``m1env.llm``, the OpenAI-compatible HTTP client the judge and the rollouts share; it
imports httpx and base only, so any tier may use it.
retry: ``m1env.retry``, the retry/back-off/deadline engine both HTTP clients (``m1env.llm`` and
``m1env.client``) send through; it imports httpx and base only, so any tier may use it.
base: ``m1env.errors`` (the one exception root) and ``m1env.settings`` (the environment
variables), imported from anywhere, import nothing of ours but each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBPACKAGES = ("verifiers", "sandbox", "grm", "policy", "trainer")
INFRASTRUCTURE = {"store", "queue", "scoring", "grm_sinks"}
TOP_FLOOR = {"service", "cli", "adapters", "client", "ui", "__main__"}
CORE = {"__init__", "task", "env", "registry", "checker", "sources", "spaces", "curriculum"}


def unit(module: str) -> str:
    """The unit an import name belongs to (``m1env.verifiers.math`` -> ``verifiers``)."""
    parts = module.split(".")
    if parts[0] != "m1env":
        return "external"
    if len(parts) == 1:
        return "core"
    second = parts[1]
    if second in SUBPACKAGES:
        return second
    if second in ("errors", "settings"):
        return "base"
    if second in ("llm", "retry"):
        return second
    if second == "envs":
        return "catalogue"
    if second in INFRASTRUCTURE:
        return "infrastructure"
    if second in TOP_FLOOR:
        return "top"
    if second in CORE or second == "data":
        return "core"
    return f"unclassified:{second}"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] != "m1env":
        parts.insert(0, "m1env")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "m1env":  # from m1env import sandbox
                names.update(f"m1env.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
    return names


def _sources() -> list[Path]:
    out: list[Path] = []
    for top in ("m1env", *SUBPACKAGES):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "data" in path.relative_to(ROOT).parts[:2] and top == "m1env":
                continue  # author-time build scripts and other projects' code, not shipped
            out.append(path)
    return out


# unit -> units it must never import
FORBIDDEN = {
    "sandbox": {
        "verifiers",
        "grm",
        "policy",
        "trainer",
        "core",
        "catalogue",
        "infrastructure",
        "top",
    },
    "verifiers": {"grm", "policy", "trainer", "core", "catalogue", "infrastructure", "top"},
    "grm": {"policy", "trainer", "core", "catalogue", "infrastructure", "top"},
    "policy": {
        "verifiers",
        "sandbox",
        "grm",
        "trainer",
        "core",
        "catalogue",
        "infrastructure",
        "top",
    },
    "core": {"grm", "policy", "trainer", "catalogue", "infrastructure", "top"},
    "catalogue": {"policy", "trainer", "infrastructure", "top"},
    # The queue's workers run the service's SandboxFusion handler (m1env.service.compat).
    "infrastructure": {"policy", "trainer"},
    "trainer": {"top"},
    "llm": {"sandbox", "verifiers", "grm", "policy", "trainer", "core", "catalogue"}
    | {"infrastructure", "top"},
    "retry": {"sandbox", "verifiers", "grm", "policy", "trainer", "core", "catalogue"}
    | {"infrastructure", "top", "llm"},
    "base": {"sandbox", "verifiers", "grm", "policy", "trainer", "core", "catalogue"}
    | {"infrastructure", "top", "llm", "retry"},
}


def test_every_module_belongs_to_a_unit():
    unknown = sorted({u for p in _sources() if (u := unit(_module_name(p))).startswith("unclass")})
    assert not unknown, f"classify these in tests/test_boundaries.py: {unknown}"


@pytest.mark.parametrize("owner", sorted(FORBIDDEN))
def test_dependencies_point_one_way(owner):
    offenders = []
    for path in _sources():
        if unit(_module_name(path)) != owner:
            continue
        bad = sorted(name for name in _imports(path) if unit(name) in FORBIDDEN[owner])
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {bad}")
    assert not offenders, "\n".join(offenders)


def test_only_the_cli_imports_the_trainer_and_the_policy():
    offenders = []
    for path in _sources():
        rel = path.relative_to(ROOT)
        if rel.parts[0] != "m1env" or rel.parts[1] == "cli":
            continue
        bad = sorted(n for n in _imports(path) if unit(n) in {"trainer", "policy"})
        if bad:
            offenders.append(f"{rel} imports {bad}")
    assert not offenders, "\n".join(offenders)


_BACKEND_NAMES = {"bwrap", "docker", "process"}


def _compares_backend_names(path: Path) -> list[int]:
    """Lines where a comparison has a backend's name as an operand (``== "docker"``,
    ``in ("bwrap", ...)``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        for operand in (node.left, *node.comparators):
            values = (
                operand.elts if isinstance(operand, ast.Tuple | ast.List | ast.Set) else [operand]
            )
            if any(isinstance(v, ast.Constant) and v.value in _BACKEND_NAMES for v in values):
                lines.append(node.lineno)
    return lines


def test_verifiers_reach_the_sandbox_only_through_its_interface():
    """Verifiers run code through ``m1env.sandbox`` (run, prepare_environment, ...): they
    never import a backend's module nor branch on which backend runs the job; building a
    task's environment (venv, image) is each backend's part of the sandbox."""
    offenders = []
    for path in _sources():
        if unit(_module_name(path)) != "verifiers":
            continue
        rel = path.relative_to(ROOT)
        bad = sorted(n for n in _imports(path) if n.startswith("m1env.sandbox.backends"))
        if bad:
            offenders.append(f"{rel} imports {bad}")
        if lines := _compares_backend_names(path):
            offenders.append(f"{rel} compares backend names at lines {lines}")
    assert not offenders, "\n".join(offenders)


def test_the_queue_writes_no_sql():
    """The job state machine is the store's: the queue uses its methods, never SQLAlchemy."""
    offenders = []
    for path in sorted((ROOT / "m1env" / "queue").rglob("*.py")):
        bad = sorted(n for n in _imports(path) if n.split(".")[0] == "sqlalchemy")
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {bad}")
    assert not offenders, "\n".join(offenders)


def test_the_rules_see_imports():
    """The checker itself: a forbidden import in a snippet is found."""
    assert unit("m1env.verifiers.math") == "verifiers"
    assert unit("m1env.store") == "infrastructure"
    assert unit("m1env.envs.logic.sat") == "catalogue"
    assert unit("m1env") == "core"
    assert unit("m1env.llm") == "llm"
    assert unit("m1env.retry") == "retry"
    assert unit("verifiers") == "external"  # a top-level `verifiers` is somebody else's


def test_scoring_side_does_not_import_torch():
    code = (
        "import sys, m1env, m1env.verifiers, m1env.cli\n"
        "m1env.cli.build_parser()\n"
        "for env_id in m1env.env_ids():\n"
        "    m1env.spec(env_id)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_cli_parser_does_not_load_the_store_or_the_queue():
    """`m1env --help` and every command's start-up pay for what they use, not for SQL/Celery."""
    code = (
        "import sys, m1env.cli\n"
        "m1env.cli.build_parser()\n"
        "loaded = sorted(m for m in ('m1env.store', 'm1env.queue', 'sqlalchemy', 'celery')"
        " if m in sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
