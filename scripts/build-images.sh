#!/usr/bin/env bash
# Build the stack's images with no container registry: every wheel and .deb is fetched on the
# host (pip and apt reach their package indexes or local mirrors), the images are built FROM
# a local base and install offline (--no-index, dpkg -i).
#
#   scripts/build-images.sh [--services] [--train]
#
#   1. dist/wheels: `pip wheel '.[service,postgres]' 'kombu[redis]' pip`, then closed for the
#      image's own interpreter: pip, run inside the base image with no network, resolves the
#      install with --dry-run --no-index; each requirement it cannot find (e.g. one whose
#      marker the host's newer Python skipped, like redis' `async-timeout; python_full_version
#      < "3.11.3"`) is wheeled on the host and the check runs again.
#   2. dist/debs: bubblewrap for the sandbox worker (`apt-get download`), unless the base has it.
#   3. docker/Dockerfile -> $M1ENV_IMAGE (default m1env), the API / worker image.
#   4. --services (CI): redis and postgres images FROM the same base, with Debian's packages
#      (their build runs apt inside the container; production pulls the official images).
#   5. --train: dist/wheels-train ('.[train,postgres,service]' + $M1ENV_TORCH, default torch==2.13.0,
#      from $M1ENV_TORCH_INDEX_URL when set, e.g. a CUDA wheel index) and
#      docker/Dockerfile.train -> $M1ENV_TRAIN_IMAGE (default m1env-train).
#
# Environment: M1ENV_BASE_IMAGE (default m1env-sandbox-base), PYTHON (the host interpreter
# that runs pip; default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${M1ENV_BASE_IMAGE:-m1env-sandbox-base}"
IMAGE="${M1ENV_IMAGE:-m1env}"
TRAIN_IMAGE="${M1ENV_TRAIN_IMAGE:-m1env-train}"
TORCH="${M1ENV_TORCH:-torch==2.13.0}"
PYTHON="${PYTHON:-python3}"
services=0
train=0
for arg in "$@"; do
    case "$arg" in
        --services) services=1 ;;
        --train) train=1 ;;
        -h|--help) sed -n 2,22p "$0"; exit 0 ;;
        *) echo "build-images: unknown argument $arg" >&2; exit 2 ;;
    esac
done
docker image inspect "$BASE" >/dev/null 2>&1 \
    || { echo "build-images: base image $BASE missing (scripts/ci/setup-docker.sh builds it)" >&2; exit 1; }

pip_wheel() {  # DIR ARGS...: wheels (dependencies included) into DIR, what DIR has reused
    local dir=$1; shift
    # pip's notices about find-links folders that do not exist on this machine are dropped;
    # pipefail keeps pip's own exit status.
    "$PYTHON" -m pip wheel -q --disable-pip-version-check -w "$dir" --find-links "$dir" "$@" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

build() {  # IMAGE DOCKER-BUILD-ARGS...: quiet unless it fails
    local image=$1 out; shift
    out=$(docker build -q --build-arg "BASE=$BASE" -t "$image" "$@" 2>&1) \
        || { printf '%s\n' "$out" >&2; echo "build-images: building $image failed" >&2; exit 1; }
    echo "build-images: image $image"
}

# Close DIR for the base's interpreter: what pip, run there offline, still misses is wheeled
# here, until it misses nothing. REQS are the image's install arguments.
close_for_base() {
    local dir=$1; shift
    local seen="" round missing log
    for round in 1 2 3 4 5 6 7 8; do
        log=$(docker run --rm --network none -v "$PWD/$dir:/w:ro" "$BASE" sh -c \
            'set -e; python3 -m venv --without-pip /tmp/v; whl=$(ls /w/pip-*.whl | head -1)
             exec /tmp/v/bin/python "$whl/pip" install --dry-run --no-index --no-cache-dir \
             --disable-pip-version-check --find-links /w "$@"' sh "$@" 2>&1) && return 0
        missing=$(printf '%s\n' "$log" | sed -n 's/.*No matching distribution found for \([^; (]*\).*/\1/p' \
            | head -1)
        if [ -z "$missing" ] || [[ " $seen " == *" $missing "* ]]; then
            echo "build-images: the wheel set in $dir does not install on $BASE:" >&2
            printf '%s\n' "$log" | tail -15 >&2
            return 1
        fi
        echo "build-images: $BASE's interpreter also needs $missing (round $round)"
        seen="$seen $missing"
        pip_wheel "$dir" "$missing"
    done
    echo "build-images: $dir still incomplete after 8 rounds" >&2
    return 1
}

rm -rf dist/wheels dist/debs
mkdir -p dist/wheels dist/debs
pip_wheel dist/wheels '.[service,postgres]' 'kombu[redis]' pip
close_for_base dist/wheels 'm1env[service,postgres]' 'kombu[redis]'
echo "build-images: $(ls dist/wheels | wc -l) wheels in dist/wheels"

if docker run --rm --network none "$BASE" sh -c 'command -v bwrap' >/dev/null 2>&1; then
    echo "build-images: $BASE has bwrap"
else
    # -o APT::Sandbox::User=root: the _apt user may not write into the work tree.
    (cd dist/debs && apt-get download -q -o APT::Sandbox::User=root bubblewrap >/dev/null) \
        || { echo "build-images: apt-get download bubblewrap failed (run apt-get update?)" >&2; exit 1; }
    echo "build-images: $(ls dist/debs)"
fi

build "$IMAGE" -f docker/Dockerfile .
if [ "$services" = 1 ]; then
    for svc in redis postgres; do
        build "m1env-$svc" -f "docker/$svc.Dockerfile" docker
    done
fi
if [ "$train" = 1 ]; then
    rm -rf dist/wheels-train
    mkdir -p dist/wheels-train
    extra=()
    [ -n "${M1ENV_TORCH_INDEX_URL:-}" ] && extra=(--extra-index-url "$M1ENV_TORCH_INDEX_URL")
    pip_wheel dist/wheels-train "${extra[@]}" '.[train,postgres,service]' "$TORCH" pip
    close_for_base dist/wheels-train 'm1env[train,postgres,service]' "$TORCH"
    echo "build-images: $(ls dist/wheels-train | wc -l) wheels in dist/wheels-train"
    build "$TRAIN_IMAGE" --build-arg "TORCH=$TORCH" -f docker/Dockerfile.train .
fi
