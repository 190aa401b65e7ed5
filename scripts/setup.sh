#!/usr/bin/env bash
# One-command setup: the project venv (Python 3.11), LocalStack's venv (Python 3.13), checkov's venv,
# and the stand-in Terraform providers that let the real terraform validate and test offline. Re-runnable: each step is skipped
# when its pinned requirements have not changed since it last succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nsetup failed: %s\n' "$*" >&2; exit 1; }

# A python of the wanted minor version: $VAR, then pythonX.Y on PATH, then pyenv's versions.
find_python() {
  local minor=$1 override=$2 candidate
  if [ -n "$override" ]; then echo "$override"; return; fi
  for candidate in "python$minor" /root/.pyenv/versions/"$minor".*/bin/python "$HOME"/.pyenv/versions/"$minor".*/bin/python; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  return 1
}

# venv DIR PYTHON REQUIREMENTS...: (re)creates DIR when the requirements' hash changed.
venv() {
  local dir=$1 python=$2; shift 2
  local stamp="$dir/.requirements.sha256" want
  want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "up to date: $dir"; return
  fi
  [ -d "$dir" ] || "$python" -m venv "$dir" || die "could not create $dir with $python"
  "$dir/bin/python" -m pip install --quiet --upgrade pip >/dev/null || die "could not upgrade pip in $dir"
  local args=() f
  for f in "$@"; do args+=(-r "$f"); done
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" \
    || die "pip could not install $* into $dir (is PyPI reachable?)"
  echo "$want" > "$stamp"
  echo "installed: $dir"
}

PY311=$(find_python 3.11 "${PYTHON311:-}") || die "Python 3.11 not found: install it (pyenv install 3.11) or set PYTHON311=/path/to/python3.11"
PY313=$(find_python 3.13 "${PYTHON313:-}") || die "Python 3.13 not found (LocalStack needs it): install it (pyenv install 3.13) or set PYTHON313=/path/to/python3.13"

step "project environment .venv ($("$PY311" --version))"
venv .venv "$PY311" requirements/dev.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e . >/dev/null \
  || die "could not install the cryptoguard package into .venv"

step "LocalStack environment .venv-localstack ($("$PY313" --version))"
venv .venv-localstack "$PY313" requirements/localstack.txt

# LocalStack invokes the pipeline's functions through this project's host-process executor (no Docker), in a
# Python that holds only what the Lambda runtime holds.
if ! .venv-localstack/bin/python -c 'import cryptoguard_lambda_host' 2>/dev/null; then
  .venv-localstack/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e tools/lambda_host \
    || die "could not install the host-process Lambda executor into .venv-localstack"
fi

step "Lambda runtime environment .venv-lambda ($("$PY313" --version))"
venv .venv-lambda "$PY313" requirements/lambda-runtime.txt

step "checkov environment .venv-checkov"
venv .venv-checkov "$PY311" requirements/checkov.txt

step "terraform"
command -v terraform >/dev/null 2>&1 || die "terraform (>= 1.9) is not on PATH: install it (this machine kind ships /usr/local/bin/terraform 1.11.4)"
echo "using $(command -v terraform): $(terraform version | head -1)"

step "stand-in providers for offline terraform validate / test (.cache/terraform)"
.venv/bin/python -m tools.tfstandin.build \
  || die "could not build the stand-in providers from the cdktn provider bindings (is PyPI reachable?)"

step "done"
echo "LocalStack $(.venv-localstack/bin/python -c 'import importlib.metadata as m; print(m.version("localstack-core"))'), moto $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("moto"))'), checkov $(.venv-checkov/bin/checkov --version)"
echo "Next: make demo (the drill on the local emulators) or make test."
