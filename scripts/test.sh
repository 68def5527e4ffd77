#!/usr/bin/env bash
# The README's test command: set up from a fresh clone and run every check CI runs.
#   scripts/test.sh            lint + type check + default, PostgreSQL, packaging and Docker tests
#   scripts/test.sh --quick    lint + type check + default tests only
# Environment: M1ENV_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

# Sandboxes and workers must exec a real interpreter, never a shim: build the venv from one.
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
PY=$("$PY" -c 'import sys; print(sys.executable)')
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
pip_install() {  # quiet, but a failed install fails the run (the local mirror's notices are dropped)
  local log rc=0
  log=$(mktemp)
  .venv/bin/python -m pip install -q "$@" >"$log" 2>&1 || rc=$?
  grep -v "is ignored: it is neither a file nor a directory" "$log" || true
  rm -f "$log"
  return $rc
}
pip_install -e '.[dev,train,rg]'
# The trainers' own code drives our adapters in tests/service/test_peer_*.py: TRL and verl's and
# OpenRLHF's runtime needs from the extra, the two frameworks themselves without their GPU stacks.
pip_install -e '.[peers]'
pip_install --no-deps openrlhf==0.11.2 verl==0.9.1
for plugin in examples/*/pyproject.toml; do
  [[ -e "$plugin" ]] && pip_install -e "$(dirname "$plugin")"
done

# System packages and services the tests use (idempotent; each script says what it does).
for setup in scripts/ci/setup-*.sh; do
  [[ -e "$setup" ]] || continue
  case "$setup" in *docker*) continue ;; esac
  bash "$setup"
done

echo "== ruff";  .venv/bin/ruff check . && .venv/bin/ruff format --check .
# mypy cannot follow the editable install's import hook (verifiers/ is m1env.verifiers, ...):
# check a tree of links laid out as the wheel is.
stage=.typecheck/m1env; rm -rf .typecheck; mkdir -p "$stage"
for f in m1env/*; do ln -s "$PWD/$f" "$stage/"; done
for p in verifiers sandbox grm policy trainer; do ln -s "$PWD/$p" "$stage/$p"; done
echo "== mypy";  .venv/bin/mypy "$stage"

run_pytest() {  # pytest's exit code 5 (no tests selected) is not a failure here
  local rc=0
  .venv/bin/python -m pytest "$@" || rc=$?
  [[ $rc -eq 5 ]] && rc=0
  return $rc
}

echo "== tests (default)"; run_pytest -q
[[ $quick -eq 1 ]] && exit 0

export M1ENV_TEST_POSTGRES_URL=${M1ENV_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
echo "== tests (postgres)"; run_pytest -q -m postgres
# m1env beside PrimeIntellect's verifiers and Coqui's trainer, installed from the registry.
echo "== tests (packaging)"; run_pytest -q -m packaging

if [[ -e scripts/ci/setup-docker.sh ]]; then
  echo "== docker setup"; bash scripts/ci/setup-docker.sh
  # Docker tests, the compose stack included (images built offline, the stack brought up,
  # scored through, a worker crashed, torn down). The training image build is -m slow.
  echo "== tests (docker)"; run_pytest -q -m "docker and not slow"
fi
