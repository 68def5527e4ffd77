#!/usr/bin/env bash
# Build the stack's images with no container registry: wheels are made on the host, the
# images are built FROM a local base (default: m1env-sandbox-base from setup-docker.sh).
#
#   1. pip wheel '.[service,postgres]' 'kombu[redis]' (+ pip itself) -> dist/wheels (the air-gapped set)
#   2. docker build docker/Dockerfile with dist/wheels as the context -> $M1ENV_IMAGE
#   3. with --services (CI): the redis and postgres images FROM the same base, with Debian's
#      packages (their build runs apt inside the container; production pulls official images)
#
# async-timeout is added by hand: redis requires it only below Python 3.11.3, and the host's
# interpreter may be newer than the base image's (bookworm ships 3.11.2), so pip on the
# host would leave it out of the closure. kombu[redis] is named because Celery's redis
# transport imports `packaging`, which only that extra pulls in.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${M1ENV_BASE_IMAGE:-m1env-sandbox-base}"
IMAGE="${M1ENV_IMAGE:-m1env}"
PYTHON="${PYTHON:-python3}"
WHEELS=dist/wheels
services=0
for arg in "$@"; do
    case "$arg" in
        --services) services=1 ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        *) echo "build-images: unknown argument $arg" >&2; exit 2 ;;
    esac
done

rm -rf "$WHEELS"
mkdir -p "$WHEELS"
"$PYTHON" -m pip wheel -q --disable-pip-version-check -w "$WHEELS" \
    '.[service,postgres]' 'kombu[redis]' pip 'async-timeout>=4.0.3'
echo "build-images: $(ls "$WHEELS" | wc -l) wheels in $WHEELS"

docker build -q --build-arg "BASE=$BASE" -t "$IMAGE" -f docker/Dockerfile "$WHEELS" >/dev/null
echo "build-images: image $IMAGE"
if [ "$services" = 1 ]; then
    for svc in redis postgres; do
        docker build -q --build-arg "BASE=$BASE" -t "m1env-$svc" -f "docker/$svc.Dockerfile" docker \
            >/dev/null
        echo "build-images: image m1env-$svc"
    done
fi
