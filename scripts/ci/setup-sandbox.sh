#!/usr/bin/env bash
# Install what the bwrap sandbox backend needs. Idempotent: safe to run on every CI start.
#
# The bwrap backend needs bubblewrap (>= 0.4 for --die-with-parent/--new-session). It also
# uses cgroups for memory and process-count limits when it can write to them (v2 unified
# hierarchy or v1 memory+pids controllers, as root); without them it falls back to rlimits
# and says so in `m1env sandbox info`.
set -euo pipefail

if ! command -v bwrap >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends bubblewrap
fi
# Compilers for the c / c++ languages (present on most images; install only if missing).
if ! command -v gcc >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends gcc g++ libc6-dev
fi
bwrap --version
# Smoke test: every namespace the backend asks for must be creatable here.
bwrap --unshare-all --die-with-parent --new-session --ro-bind / / --proc /proc --dev /dev \
    /bin/true
echo "setup-sandbox: ok"
