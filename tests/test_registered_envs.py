"""Every registered environment passes ``m1env.check_env``.

The ids are read from the registry at collection time, so an environment added by
any package -- ours or an installed plugin -- is checked without touching this file.
"""

from __future__ import annotations

import pytest

import m1env
from m1env.verifiers import UnknownVerifierError


@pytest.mark.parametrize("env_id", m1env.env_ids())
def test_registered_environment_passes_check_env(env_id: str) -> None:
    try:
        verifier = m1env.spec(env_id).verifier
        m1env.get_verifier(verifier)
    except UnknownVerifierError as exc:
        pytest.fail(f"{env_id} names a verifier that is not installed: {exc}")
    m1env.check_env(env_id)
