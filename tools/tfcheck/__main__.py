"""`make validate`: offline verification of every Terraform module and example.

Runs the schema/reference checks of tools.tfcheck.check on every directory holding .tf files, then
`terraform fmt -check -recursive` and checkov (its skips live in .checkov.yaml). Exits non-zero on any
finding and prints each one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tools.tfcheck.check import check_module, load_schemas, terraform_dirs

ROOT = Path(__file__).resolve().parents[2]


def terraform_binary() -> str | None:
    local = ROOT / ".venv" / "bin" / "terraform"
    return shutil.which("terraform") or (str(local) if local.exists() else None)


def run_fmt() -> list[str]:
    binary = terraform_binary()
    if binary is None:
        return ["terraform not found: run `make setup` (it installs one for fmt)"]
    env = dict(os.environ)
    if not Path(env.get("TF_CLI_CONFIG_FILE", "/")).is_file():
        env.pop("TF_CLI_CONFIG_FILE", None)  # a dangling setting only makes terraform print warnings
    proc = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-list=true", "-diff=false"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode == 0:
        return []
    files = [line for line in proc.stdout.splitlines() if line.strip()]
    return [f"{f}: not formatted (run `terraform fmt -recursive`)" for f in files] or [proc.stderr.strip()]


def run_checkov() -> list[str]:
    checkov = ROOT / ".venv-checkov" / "bin" / "checkov"
    if not checkov.exists():
        return ["checkov not found in .venv-checkov: run `make setup`"]
    proc = subprocess.run(
        [
            str(checkov),
            "--config-file",
            ".checkov.yaml",
            "-d",
            ".",
            "--compact",
            "--quiet",
            "--framework",
            "terraform",
            "--skip-path",
            r"\.venv.*",
            "--skip-path",
            r"\.cache",
            "--skip-path",
            "tests",
            "--output",
            "cli",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    if proc.returncode == 0:
        return []
    return [line for line in proc.stdout.splitlines() if line.strip()][:200] or [proc.stderr.strip()[-2000:]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="directories to check (default: every one in the repo)")
    parser.add_argument("--schemas", type=Path, default=ROOT / ".cache" / "schemas")
    parser.add_argument("--no-fmt", action="store_true", help="skip terraform fmt -check")
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov")
    args = parser.parse_args(argv)

    schemas = load_schemas(args.schemas)
    dirs = args.paths or terraform_dirs(ROOT)
    problems: list[str] = []
    for directory in dirs:
        findings = check_module(directory, schemas)
        problems += [str(f) for f in findings]
        shown = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
        print(f"{'ok ' if not findings else 'BAD'} {shown}" + (f" ({len(findings)} findings)" if findings else ""))
    versions = ", ".join(f"{s['provider']} {s['version']}" for s in schemas.values())
    print(f"schema and references: {len(dirs)} directories against {versions}")
    if not args.no_fmt:
        fmt = run_fmt()
        problems += fmt
        print(f"terraform fmt: {'clean' if not fmt else f'{len(fmt)} findings'}")
    if not args.no_checkov:
        checkov = run_checkov()
        problems += checkov
        print(f"checkov: {'0 failed checks' if not checkov else 'failed'}")
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    print("validate: " + ("OK" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
