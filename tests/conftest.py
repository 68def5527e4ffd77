"""Suite-wide guard: our folders are imported only under the one root, ``m1env.*``.

pytest puts the repository root on ``sys.path`` (``tests`` is a package), where ``verifiers/``,
``sandbox/``, ``grm/``, ``policy/`` and ``trainer/`` would import as top-level packages -- a
second copy of each module, and the very name clash with PrimeIntellect's ``verifiers`` and
Coqui's ``trainer`` that the import root removes. This finder refuses such an import (the
peers' own packages, installed elsewhere, still import), and the session fails if one of our
folders ended up in ``sys.modules`` under a top-level name anyway.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = frozenset({"verifiers", "sandbox", "grm", "policy", "trainer"})


def _ours(origin: str | None) -> bool:
    return origin is not None and Path(origin).resolve().is_relative_to(ROOT)


class _RefuseTopLevelFolders(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if path is not None or fullname not in FOLDERS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname)
        if spec is not None and _ours(spec.origin):
            raise ImportError(
                f"'import {fullname}' found the repository's {fullname}/ folder; "
                f"it ships as m1env.{fullname}: import that instead"
            )
        return None


sys.meta_path.insert(0, _RefuseTopLevelFolders())


def leaked_top_level_modules() -> list[str]:
    """Modules of our folders loaded under a top-level name (should always be empty)."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] in FOLDERS and _ours(getattr(module, "__file__", None))
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaked = leaked_top_level_modules()
    if leaked:
        print(f"\nimport-root guard: imported without m1env.: {leaked}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
