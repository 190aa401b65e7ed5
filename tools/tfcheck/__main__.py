"""`make validate`: every Terraform module, example and fixture, judged offline.

1. real `terraform init -backend=false` + `terraform validate` in every directory holding .tf files, against
   the stand-in providers (tools/tfstandin) of the versions the modules are written for (hashicorp/aws
   6.69.1) and again of the floor that versions.tf admits (hashicorp/aws 6.28.0): an argument that the
   floor lacks fails here, as it would fail anyone on that version;
2. what Terraform does not check: a description on every variable and output, a type on every variable;
3. `terraform fmt -check -recursive`, and checkov (its skips live in .checkov.yaml).
Exits non-zero on any finding and prints each one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tools.tfcheck.check import check_documentation, load_module
from tools.tfstandin import harness
from tools.tfstandin.build import PROVIDER_SETS

ROOT = Path(__file__).resolve().parents[2]


def run_fmt() -> list[str]:
    proc = subprocess.run(
        [harness.TERRAFORM, "fmt", "-check", "-recursive", "-list=true", "-diff=false"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=harness.env(),
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


def run_terraform_validate(provider_set: str, only: list[Path]) -> list[str]:
    work = harness.workspace(provider_set)
    pins = ", ".join(PROVIDER_SETS[provider_set])
    problems = []
    for directory in only:
        result = harness.validate(work / directory.relative_to(ROOT), provider_set)
        print(f"{'ok ' if result.ok else 'BAD'} terraform validate ({provider_set}) {result.directory}")
        if not result.ok:
            where = f"terraform validate ({provider_set}: {pins}) in {result.directory}"
            problems.append(f"{where}:\n{result.output.strip()}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="directories to check (default: every one in the repo)")
    parser.add_argument("--no-fmt", action="store_true", help="skip terraform fmt -check")
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov")
    parser.add_argument("--no-floor", action="store_true", help="validate against the current providers only")
    args = parser.parse_args(argv)

    dirs = [p.resolve() for p in args.paths] or harness.terraform_dirs(ROOT)
    problems: list[str] = []
    for provider_set in ["current"] + ([] if args.no_floor else ["floor"]):
        problems += run_terraform_validate(provider_set, dirs)
    for directory in dirs:
        problems += [str(f) for f in check_documentation(load_module(directory))]
    print(f"descriptions and types: {len(dirs)} directories")
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
