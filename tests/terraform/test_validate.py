"""`make validate` as a test: every module and example passes the offline checks, fmt and checkov; the
generated README sections are current; every checkov skip has its reason."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_and_example_validates_offline():
    proc = subprocess.run([sys.executable, "-m", "tools.tfcheck"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "validate: OK" in proc.stdout and "checkov: 0 failed checks" in proc.stdout
    assert "terraform fmt: clean" in proc.stdout


def test_generated_readme_sections_are_current():
    proc = subprocess.run([sys.executable, "-m", "tools.docs", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_checkov_skip_has_a_reason_and_lives_in_one_file():
    skips = [line for line in (ROOT / ".checkov.yaml").read_text().splitlines() if line.strip().startswith("- CKV")]
    assert skips
    for line in skips:
        assert re.match(r"^\s*- CKV2?_AWS_\d+\s+# \S.{15,}", line), f"skip without a reason: {line!r}"
    inline = [str(p) for p in ROOT.glob("**/*.tf") if ".venv" not in p.parts and "checkov:skip" in p.read_text()]
    assert inline == []
