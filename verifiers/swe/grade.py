"""Grade a model patch on a self-contained pure-Python repository, SWE-bench style.

Steps (host side, in a scratch directory):

1. lay out the instance's ``files`` (the tree at ``base_commit``);
2. refuse (score 0, with the reason) a patch over ``max_patch_bytes``; one that touches
   test machinery -- ``conftest.py``, ``sitecustomize.py``, ``usercustomize.py``,
   ``*.pth``, a ``pytest_*.py`` plugin module, compiled files; one that adds a top-level
   module shadowing the stdlib or the runner (``json/``, ``_pytest.py``...); a binary
   patch; or one whose added source lines reach into the test runner
   (``pytest``/``_pytest``/``pluggy``/``junit``) or call ``os._exit``;
3. apply the model patch (``git apply``, else ``patch``); one that does not apply
   scores 0 with the tool's message;
4. restore every test file -- each file ``test_patch`` touches, each file named by a
   FAIL_TO_PASS/PASS_TO_PASS id, and every test-looking file the model patch touched --
   to its ``base_commit`` content, and pytest's config files likewise; then apply
   ``test_patch``. The model's edits to tests are thrown away, deleted tests come back.

Then, in the sandbox: ``python3 -E -s -S`` (no ``PYTHON*`` variables, no site
directories, so no ``.pth``/``sitecustomize`` hooks) runs pytest from the task's
environment (or a copy shipped next to the repository when it has none), with ``-p no:cacheprovider``, plugin auto-loading off, and a
JUnit XML report written under a random name, which comes back as a collected file.
The wrapper leaves with ``os._exit`` as soon as ``pytest.main`` returns, so ``atexit``
handlers and finalizers planted by the code under test never run after the report is
written (they could otherwise rewrite it and fake the exit status).

Judging, outside the sandbox: every expected test id must appear in the report with
outcome passed; skipped, missing (not collected, deleted, or the run died, e.g. by
``os._exit``) and erroring tests are failures; the exit status must be 0 too. Reward 1
only when all pass. Known limit: code under test runs in pytest's process, so source
code could still patch the reporting in ways step 2's scan does not catch (e.g. a
thread that rewrites the report while pytest runs); the defences raise the bar, they
are not a proof.
"""

from __future__ import annotations

import re
import secrets
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from m1env import sandbox
from m1env.errors import PatchError, SWEError
from m1env.verifiers.score import Score
from m1env.verifiers.swe.instance import SWEInstance
from m1env.verifiers.swe.patching import apply_patch, read_tree, touched_paths, write_tree

__all__ = [
    "GradeLimits",
    "grade",
    "is_test_path",
    "parse_junit",
    "prepare_tree",
    "protected_reason",
    "run_pytest",
    "runner_files",
    "runner_key",
]

_RUNNER_PACKAGES = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py.py")
# pytest imports pygments; of its ~600 lexers, only those pytest loads travel (9.5 MB -> ~1).
_LEXERS = {"__init__.py", "_mapping.py", "diff.py", "python.py"}
_FORBIDDEN_NAMES = {"conftest.py", "sitecustomize.py", "usercustomize.py"}
_CONFIG_NAMES = {"pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml"}
_RUNNER_WORDS = re.compile(r"\b(_?pytest|pluggy|junit)")
_PY = "/usr/bin/python3"
# Top-level names a patch may not add: they would shadow the runner or the stdlib.
_SHADOWED = {p.removesuffix(".py") for p in _RUNNER_PACKAGES}
_STDLIB = frozenset(sys.stdlib_module_names)


class _TaskError(SWEError):
    """The task itself is broken (its test_patch does not apply): an error, not a 0."""


@dataclass(frozen=True)
class GradeLimits:
    """Sandbox limits of the test run."""

    wall_s: float = 60.0
    cpu_s: float = 60.0
    memory_mb: int = 1024
    max_patch_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s", "memory_mb", "max_patch_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")


def is_test_path(path: str) -> bool:
    """A path pytest would treat as a test module or that lives in a tests directory."""
    p = PurePosixPath(path)
    if any(part in ("tests", "test", "testing") for part in p.parts[:-1]):
        return True
    return p.suffix == ".py" and (p.name.startswith("test_") or p.stem.endswith("_test"))


def _discarded(path: str) -> bool:
    """Model edits to this path are thrown away before the run, so need no scan."""
    return is_test_path(path) or PurePosixPath(path).name in _CONFIG_NAMES


def protected_reason(patch: str, known: Collection[str] = ()) -> str | None:
    """Why the model patch is a reward hack, or None. ``known``: the task's own files."""
    known_tops = {PurePosixPath(k).parts[0].removesuffix(".py") for k in known}
    if re.search(r"^(GIT binary patch|Binary files )", patch, re.M):
        # A zlib literal can expand a small patch into gigabytes on the host.
        return "binary patches are not accepted"
    for path in touched_paths(patch):
        parts = PurePosixPath(path).parts
        name = parts[-1] if parts else ""
        if name in _FORBIDDEN_NAMES or name.endswith(".pth"):
            return f"the patch touches {path}, which changes how tests run"
        top = parts[0].removesuffix(".py") if parts else ""
        if top not in known_tops and (top in _SHADOWED or top in _STDLIB):
            return f"the patch adds {path}, which shadows the module {top!r}"
        if "__pycache__" in parts or name.endswith((".pyc", ".pyo")):
            return f"the patch adds compiled code {path}"
        if name.startswith("pytest_") and name.endswith(".py"):
            return f"the patch adds a pytest plugin module {path}"
    current = ""
    for line in patch.splitlines():
        if line.startswith("+++ "):
            current = line[4:]
        elif line.startswith("+") and not _discarded(current.removeprefix("b/")):
            if _RUNNER_WORDS.search(line):
                return f"the patch reaches into the test runner: {line[1:].strip()[:80]!r}"
            if "os._exit" in line:
                return "the patch calls os._exit"
    return None


def runner_key() -> str:
    """Names the runner's files: pytest's version (the tree is laid out once per key)."""
    import pytest

    return str(pytest.__version__)


@lru_cache(maxsize=1)
def runner_files() -> dict[str, bytes]:
    """pytest and its pure-Python dependencies as files, by path under the runner's
    root: shipped into the sandbox, or installed in the task's environment."""
    import pytest

    site = Path(pytest.__file__).resolve().parent.parent
    out: dict[str, bytes] = {}
    for name in _RUNNER_PACKAGES:
        root = site / name
        if root.is_file():
            out[name] = root.read_bytes()
            continue
        for f in root.rglob("*"):
            if not f.is_file() or "__pycache__" in f.parts or f.suffix not in (".py", ".typed"):
                continue
            if f.parent.name == "lexers" and name == "pygments" and f.name not in _LEXERS:
                continue
            if f.is_file():
                out[f.relative_to(site).as_posix()] = f.read_bytes()
    return out


def _node_id(case: ET.Element) -> str:
    file = case.get("file", "")
    name = case.get("name", "")
    classname = case.get("classname", "")
    module = file[:-3].replace("/", ".") if file.endswith(".py") else ""
    rest = classname[len(module) :].lstrip(".") if module and classname.startswith(module) else ""
    return "::".join(p for p in (file, *rest.split("."), name) if p) if rest else f"{file}::{name}"


def parse_junit(xml: bytes) -> dict[str, str]:
    """``{node id: passed|failed|error|skipped}`` from pytest's xunit1 JUnit XML."""
    root = ET.fromstring(xml)
    out: dict[str, str] = {}
    for case in root.iter("testcase"):
        kinds = {child.tag for child in case}
        outcome = (
            "error" if "error" in kinds else
            "failed" if "failure" in kinds else
            "skipped" if "skipped" in kinds else "passed"
        )  # fmt: skip
        node = _node_id(case)
        # A test reported twice (a teardown error after a pass) keeps the worse outcome.
        if out.get(node, "passed") == "passed":
            out[node] = outcome
    return out


def prepare_tree(instance: SWEInstance, model_patch: str, root: Path) -> dict[str, bytes]:
    """The tree the tests run on (steps 1, 3 and 4 of the module docstring), in ``root``.
    Raises PatchError when the model patch does not apply, another SWEError when the
    task's own test_patch does not."""
    return _prepare(instance, model_patch, root)


def _prepare(instance: SWEInstance, model_patch: str, root: Path) -> dict[str, bytes]:
    write_tree(root, dict(instance.files))
    apply_patch(root, model_patch)
    restore = set(touched_paths(instance.test_patch))
    restore |= {t.split("::", 1)[0] for t in instance.tests}
    restore |= {p for p in touched_paths(model_patch) if is_test_path(p)}
    restore |= {p for p in touched_paths(model_patch) if PurePosixPath(p).name in _CONFIG_NAMES}
    for rel in restore:
        target = root / rel
        if not target.parent.resolve().is_relative_to(root.resolve()):
            raise PatchError(f"the patch names a path outside the tree: {rel!r}")
        if target.is_symlink() or target.is_file():
            target.unlink()
        if rel in instance.files:
            write_tree(root, {rel: instance.files[rel]})
    try:
        apply_patch(root, instance.test_patch)
    except PatchError as exc:
        raise _TaskError(f"the task's test_patch does not apply: {exc}") from None
    return read_tree(root)


def run_pytest(
    tests: Sequence[str],
    limits: GradeLimits,
    *,
    tree: Mapping[str, bytes] | None = None,
    repo_dir: str = "/work/repo",
    environment: sandbox.PreparedEnvironment | None = None,
) -> tuple[dict[str, str] | None, sandbox.ExecResult]:
    """Run pytest on ``tests`` in the sandbox: ``{node id: outcome}`` from its JUnit
    report (None when no report came back) and the run's ExecResult.

    The repository is ``tree`` (shipped to ``/work/repo``), or already at ``repo_dir``
    (a workspace the environment mounts). The task's ``environment``
    (:func:`m1env.verifiers.swe.environment.task_environment`) adds its requirements to
    ``sys.path`` and says where pytest lives (shipped here when it has none); default:
    the chosen backend with nothing installed.
    """
    env = environment or sandbox.PreparedEnvironment(backend=sandbox.get_backend())
    report = f"_report_{secrets.token_hex(8)}.xml"
    files: dict[str, bytes] = {}
    if tree is not None:
        files.update({f"repo/{k}": v for k, v in tree.items()})
        repo_dir = "/work/repo"
    runner = env.tools_dir
    if runner is None:
        files.update({f"_runner/{k}": v for k, v in runner_files().items()})
        runner = "/work/_runner"
    test_files = sorted({t.split("::", 1)[0] for t in tests})
    args = ["-q", "-p", "no:cacheprovider", "--color=no", "--code-highlight=no", "-o", "junit_family=xunit1",
            "--rootdir", repo_dir, f"--junitxml=/work/{report}", *test_files]  # fmt: skip
    path = [runner, repo_dir, *env.site_dirs]
    script = (
        f"import os, sys; os.chdir({repo_dir!r}); sys.path[:0] = {path!r};"
        f"import pytest; rc = int(pytest.main({args!r})); sys.stdout.flush(); os._exit(rc)"
    )
    request = sandbox.ExecRequest(
        command=[_PY, "-E", "-s", "-S", "-B", "-c", script],
        files=files,
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONNOUSERSITE": "1", "HOME": "/tmp"},
        collect=[report],
        mounts=env.mounts,
        limits=sandbox.Limits(
            wall_s=limits.wall_s,
            cpu_s=limits.cpu_s,
            memory_mb=limits.memory_mb,
            processes=64,
            open_files=256,
            file_size_bytes=64 << 20,
        ),
    )
    result = env.backend.run(request)
    raw = next(iter(result.files.values()), b"")
    outcomes: dict[str, str] | None = None
    if raw:
        try:
            outcomes = parse_junit(raw)
        except ET.ParseError:
            outcomes = None
    return outcomes, result


def grade(
    instance: SWEInstance,
    model_patch: str,
    limits: GradeLimits | None = None,
    environment: sandbox.PreparedEnvironment | None = None,
) -> Score:
    """Score ``model_patch`` on ``instance``; see the module docstring. ``environment``
    (:func:`m1env.verifiers.swe.environment.task_environment`): where the tests run;
    default the chosen sandbox backend with nothing installed."""
    limits = limits or GradeLimits()
    tests = instance.tests
    if not tests:
        return Score.error("the instance names no FAIL_TO_PASS or PASS_TO_PASS tests")
    base: dict[str, Any] = {
        "instance_id": instance.instance_id,
        "tests": {t: "not run" for t in tests},
    }
    if len(model_patch.encode("utf-8", "replace")) > limits.max_patch_bytes:
        return Score.incorrect(f"the patch is over {limits.max_patch_bytes} bytes", **base)
    if (hack := protected_reason(model_patch, instance.files)) is not None:
        return Score.incorrect(hack, verdict="rejected", **base)
    with tempfile.TemporaryDirectory(prefix="m1env-swe-") as tmp:
        try:
            tree = _prepare(instance, model_patch, Path(tmp))
        except PatchError as exc:
            return Score.incorrect(str(exc), verdict="patch_failed", **base)
        except _TaskError as exc:
            return Score.error(str(exc), verdict="bad_reference", **base)
    try:
        environment = environment or sandbox.PreparedEnvironment(backend=sandbox.get_backend())
    except sandbox.SandboxError as exc:  # no backend that isolates can run here
        return Score.error(f"sandbox: {exc}", verdict="environment", backend=None, **base)
    outcomes, result = run_pytest(tests, limits, tree=tree, environment=environment)
    return _judge(instance, outcomes, result, base)


def _judge(
    instance: SWEInstance,
    outcomes: dict[str, str] | None,
    result: sandbox.ExecResult,
    base: dict[str, Any],
) -> Score:
    run = {"verdict": result.verdict, "exit_code": result.exit_code, "wall_s": result.wall_s}
    base = {**base, "backend": result.backend}
    if result.verdict == "sandbox_error":
        return Score.error(f"sandbox failure: {result.messages}", run=run, **base)
    tests = {t: (outcomes or {}).get(t, "missing") for t in instance.tests}
    failed = [t for t, o in tests.items() if o != "passed"]
    details = {**base, "tests": tests, "run": run, "log": (result.stdout + result.stderr)[-2000:]}
    if outcomes is None:
        return Score.incorrect(f"no test report (run verdict {result.verdict})", **details)
    if failed:
        return Score.incorrect(f"{len(failed)}/{len(tests)} tests did not pass", **details)
    if result.exit_code != 0:
        return Score.incorrect(f"pytest exited with {result.exit_code}", **details)
    return Score.correct(f"all {len(tests)} tests passed", **details)
