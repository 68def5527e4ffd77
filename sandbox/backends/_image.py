"""The docker backend's task environments: an image per content hash ``FROM`` the base image.

The image adds, under :data:`~m1env.sandbox.environments.ENV_ROOT`: the spec's tools in
``runner``, its requirements (installed by the worker's pip, so offline wheel dirs work
the same as for venvs) in ``site`` and the reference files in ``repo``. It is built with
the network off and tagged ``<image_prefix>-<name>:<hash>``, the hash covering the base
image's id; a tag that exists is a cache hit: nothing is built.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

from m1env.errors import EnvironmentBuildError

from ..environments import ENV_ROOT, EnvironmentSpec, content_hash, layout, open_tree, pip_install

__all__ = ["SITE_DIR", "build_image", "image_tag"]

SITE_DIR = f"{ENV_ROOT}/site"


def image_tag(spec: EnvironmentSpec, base_id: str) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in spec.name.lower())
    return f"{spec.image_prefix}-{name.strip('-._') or 'repo'}:{content_hash(spec, base_id)}"


def _client() -> Any:
    import docker

    # Builds (pip in the context, COPY of a repository) take longer than a job's calls.
    return docker.from_env(timeout=600)


def build_image(spec: EnvironmentSpec, base: str) -> tuple[str, bool]:
    """The spec's image tag (built if missing) and whether this call built it."""
    client = _client()
    try:
        try:
            base_id = client.images.get(base).id
        except Exception as exc:
            raise EnvironmentBuildError(
                f"base image {base!r} is missing ({exc}); run scripts/ci/setup-docker.sh"
            ) from None
        tag = image_tag(spec, base_id)
        with contextlib.suppress(Exception):
            client.images.get(tag)
            return tag, False
        with tempfile.TemporaryDirectory(prefix="m1env-env-image-") as tmp:
            ctx = Path(tmp)
            (ctx / "runner").mkdir()
            layout(ctx / "runner", spec.tools)
            (ctx / "repo").mkdir()
            layout(ctx / "repo", spec.files)
            pip_install(spec.requirements, ctx / "site", spec.wheels)
            open_tree(ctx)
            (ctx / "Dockerfile").write_text(
                f"FROM {base_id}\n"
                f"COPY runner {ENV_ROOT}/runner\n"
                f"COPY site {SITE_DIR}\n"
                f"COPY repo {ENV_ROOT}/repo\n"
                # json.dumps quotes and escapes: a name cannot add instructions. (The
                # label names are those of images the SWE verifier built before the move.)
                f"LABEL m1env.swe.repo={json.dumps(spec.name)} m1env.swe.key={json.dumps(tag)}\n"
            )
            try:
                client.images.build(path=str(ctx), tag=tag, rm=True, network_mode="none")
            except Exception as exc:
                raise EnvironmentBuildError(f"docker build of {tag} failed: {exc}") from None
        return tag, True
    finally:
        client.close()
