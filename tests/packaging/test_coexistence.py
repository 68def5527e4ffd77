"""m1env installs beside PrimeIntellect's ``verifiers`` and Coqui's ``trainer`` (both on PyPI,
both top-level names that are also folders of ours): the peers' real packages are installed
into one environment with m1env, all import, and uninstalling one leaves the others whole.

Marked ``packaging``: it installs from the package registry (scripts/test.sh runs it).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.packaging.wheel import ROOT, wheel_names

pytestmark = pytest.mark.packaging

PEERS = ("verifiers==0.4.0", "trainer==0.0.36")


def _run(*cmd: str | Path, cwd: Path | None = None) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{cmd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _new_env(where: Path) -> Path:
    """A fresh venv that sees this environment's packages as already installed, behind its
    own (so pip fetches only what is missing and never touches this environment)."""
    venv.EnvBuilder(with_pip=True).create(where)
    python = where / "bin" / "python"
    site = _run(
        python, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    ).strip()
    (Path(site) / "zz_m1env_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _pip(python: Path, *args: str | Path) -> str:
    return _run(python, "-I", "-m", "pip", "--disable-pip-version-check", *args)


def _record(python: Path, dist: str) -> list[Path]:
    """The files pip recorded for ``dist`` in that environment (``-I``: not from the cwd)."""
    code = (
        "import importlib.metadata as m, sys\n"
        f"d = m.distribution({dist!r})\n"
        "print('\\n'.join(str(d.locate_file(f)) for f in d.files or []))\n"
    )
    return [Path(p) for p in _run(python, "-I", "-c", code).split()]


PROBE = """
import json, m1env, m1env.verifiers, m1env.sandbox, m1env.grm, verifiers, verifiers.v1, trainer
print(json.dumps({
    "m1env.verifiers": m1env.verifiers.__file__,
    "verifiers": verifiers.__file__,
    "trainer": trainer.__file__,
    "pi_load_environment": callable(verifiers.v1.load_environment),
    "coqui_trainer": hasattr(trainer, "Trainer"),
    "math": m1env.verifiers.get_verifier("math").verify("\\\\boxed{1/2}", "0.5").status,
}))
"""


def _probe(python: Path, cwd: Path) -> dict:
    import json

    return json.loads(_run(python, "-I", "-c", PROBE, cwd=cwd).splitlines()[-1])


def test_the_wheel_shares_no_file_with_the_peers_wheels(tmp_path, wheel):
    ours = set(wheel_names(wheel))
    _pip(Path(sys.executable), "download", "-q", "--no-deps", "-d", tmp_path / "peers", *PEERS)
    for peer in sorted((tmp_path / "peers").glob("*.whl")):
        theirs = set(wheel_names(peer))
        # The peers do ship the top-level names our folders have.
        assert {"verifiers/__init__.py", "trainer/__init__.py"} & theirs, peer
        assert not ours & theirs, f"{peer.name} shares {sorted(ours & theirs)[:5]}"


def test_installed_beside_the_peers_everything_imports_and_uninstalls_cleanly(tmp_path, wheel):
    python = _new_env(tmp_path / "env")
    _pip(python, "install", "-q", "--no-deps", "--ignore-installed", wheel)
    _pip(python, "install", "-q", *PEERS)
    info = _probe(python, cwd=tmp_path)
    site = tmp_path / "env"
    assert (
        Path(info["m1env.verifiers"]).is_relative_to(site) and "/m1env/" in info["m1env.verifiers"]
    )
    assert Path(info["verifiers"]).parent.name == "verifiers" and "/m1env/" not in info["verifiers"]
    assert "/m1env/" not in info["trainer"]
    assert info["pi_load_environment"] and info["coqui_trainer"] and info["math"] == "correct"

    ours = _record(python, "m1env")
    assert ours and all(p.exists() for p in ours)
    _pip(python, "uninstall", "-y", "verifiers")
    assert [p for p in ours if not p.exists()] == []  # PI's uninstall took nothing of ours
    _run(python, "-I", "-c", "import m1env.verifiers, m1env.sandbox, m1env.trainer", cwd=tmp_path)

    _pip(python, "install", "-q", "--no-deps", PEERS[0])
    theirs = _record(python, "verifiers") + _record(python, "trainer")
    _pip(python, "uninstall", "-y", "m1env")
    assert [p for p in theirs if not p.exists()] == []  # ours took nothing of theirs
    _run(python, "-I", "-c", "import verifiers.v1, trainer", cwd=tmp_path)


def test_an_editable_install_and_the_peers_import_side_by_side(tmp_path):
    python = _new_env(tmp_path / "env")
    _pip(python, "install", "-q", *PEERS)
    _pip(python, "install", "-q", "--no-deps", "--no-build-isolation", "--ignore-installed",
         "-e", ROOT)  # fmt: skip
    info = _probe(python, cwd=tmp_path)
    assert Path(info["m1env.verifiers"]).resolve() == ROOT / "verifiers" / "__init__.py"
    assert Path(info["verifiers"]).is_relative_to(tmp_path / "env")
    assert info["pi_load_environment"] and info["coqui_trainer"] and info["math"] == "correct"
    _pip(python, "uninstall", "-y", "verifiers")
    assert (ROOT / "verifiers" / "__init__.py").exists()
    _run(python, "-I", "-c", "import m1env.verifiers", cwd=tmp_path)
