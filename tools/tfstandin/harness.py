"""Run real Terraform against the stand-in providers, on a copy of the repository's Terraform.

The copy (.cache/terraform/work-<set>) keeps Terraform's lock files and .terraform directories away from the
working tree, where a user may have initialised the real providers. Paths in Terraform's messages are
given back relative to the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "terraform"
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
# What the copy holds: Terraform and what it reads (templates, the pattern and settings data, Lambda code).
_COPIED = (".tf", ".tftest.hcl", ".tftpl", ".json", ".py", ".tfvars", ".hcl")
_SKIPPED_PARTS = {
    ".git", ".terraform", ".venv", ".venv-localstack", ".venv-checkov", ".cache", "__pycache__", "node_modules"
}  # fmt: skip
_ALIASES = re.compile(r"configuration_aliases\s*=\s*\[([^\]]*)\]")
STANDIN_PROVIDERS_FILE = "zz_standin_providers.tf"


@dataclass
class Result:
    directory: str
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _sources() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.splitlines()
        files = [ROOT / name for name in listed]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file below the root
        files = [p for p in ROOT.rglob("*") if p.is_file()]
    return [
        p
        for p in files
        if p.name.endswith(_COPIED) and p.is_file() and not _SKIPPED_PARTS & set(p.relative_to(ROOT).parts)
    ]


def workspace(provider_set: str = "current") -> Path:
    """The copy for one provider set, brought up to date with the working tree."""
    work = CACHE / f"work-{provider_set}"
    wanted = {p.relative_to(ROOT): p for p in _sources()}
    if work.exists():
        for existing in work.rglob("*"):
            relative = existing.relative_to(work)
            kept = ".terraform" in relative.parts or existing.name == ".terraform.lock.hcl"
            if existing.is_file() and relative not in wanted and not kept:
                existing.unlink()
    for relative, source in wanted.items():
        target = work / relative
        if not target.exists() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return work


def env(provider_set: str = "current") -> dict[str, str]:
    config = CACHE / f"terraformrc-{provider_set}"
    if not config.exists():
        raise FileNotFoundError(f"{config} is missing: run `make setup` (it builds the stand-in providers)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
    return {
        **clean,
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        # Any provider call a test forgets to mock must fail here, never reach a real account.
        "AWS_ACCESS_KEY_ID": "standin",
        "AWS_SECRET_ACCESS_KEY": "standin",
        "AWS_REGION": "us-east-1",
    }


def _readable(text: str, work: Path) -> str:
    return text.replace(str(work) + "/", "").replace(str(work), ".")


def run(args: list[str], directory: Path, provider_set: str = "current", timeout: int = 600) -> Result:
    work = CACHE / f"work-{provider_set}"
    proc = subprocess.run(
        [TERRAFORM, *args],
        cwd=directory,
        env=env(provider_set),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(_readable(str(directory), work), proc.returncode, _readable(proc.stdout + proc.stderr, work))


def init(directory: Path, provider_set: str = "current") -> Result:
    # A lock file from another provider set or version would pin the wrong stand-in: start afresh.
    (directory / ".terraform.lock.hcl").unlink(missing_ok=True)
    return run(["init", "-backend=false", "-input=false", "-no-color"], directory, provider_set)


def validate(directory: Path, provider_set: str = "current") -> Result:
    """`terraform init` and `terraform validate`. A module that takes aliased providers is validated with
    empty configurations of those aliases, as its caller would pass them."""
    initialised = init(directory, provider_set)
    if not initialised.ok:
        return initialised
    aliases = sorted(
        {a.strip() for tf in directory.glob("*.tf") for m in _ALIASES.finditer(tf.read_text()) for a in m[1].split(",")}
        - {""}
    )
    extra = directory / STANDIN_PROVIDERS_FILE
    if aliases:
        extra.write_text(
            "".join(f'provider "{a.split(".")[0]}" {{\n  alias = "{a.split(".")[1]}"\n}}\n' for a in aliases)
        )
    try:
        # -no-tests: `terraform test` judges the test files, with the providers they mock.
        return run(["validate", "-no-tests", "-no-color"], directory, provider_set)
    finally:
        extra.unlink(missing_ok=True)


def test(directory: Path, provider_set: str = "current", extra: list[str] | None = None) -> Result:
    initialised = init(directory, provider_set)
    if not initialised.ok:
        return initialised
    return run(["test", "-no-color", *(extra or [])], directory, provider_set, timeout=1200)


def terraform_dirs(root: Path) -> list[Path]:
    """Every directory holding .tf files (the copy's or the repository's), caches excluded."""
    return sorted({p.parent for p in root.rglob("*.tf") if not _SKIPPED_PARTS & set(p.relative_to(root).parts)})


def _built(provider_set: str, name: str) -> dict:
    from tools.tfstandin.build import PROVIDER_SETS

    pin = next(p for p in PROVIDER_SETS[provider_set] if p.startswith(f"cdktn-provider-{name}=="))
    marker = CACHE / "providers" / (pin.replace("==", "-") + ".json")
    if not marker.exists():
        raise FileNotFoundError(f"no stand-in built for {pin}: run `make setup`")
    return json.loads(marker.read_text())


def provider_version(provider_set: str = "current", name: str = "aws") -> str:
    return _built(provider_set, name)["version"]


def schema(provider_set: str = "current", name: str = "aws") -> dict:
    """The recovered schema a stand-in serves, in `terraform providers schema -json` form."""
    built = _built(provider_set, name)
    recovered = json.loads((Path(built["responses"]).parent / "schema.json").read_text())
    return recovered["provider_schemas"][f"registry.terraform.io/hashicorp/{name}"]
