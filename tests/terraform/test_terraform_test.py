"""`terraform test` in every module, example and the root, through the stand-in providers: each directory's
*.tftest.hcl (mock_provider, command = plan) must pass, every module and example must have one, and every
validation must be exercised by a run that expects it to fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.tfcheck.check import load_module
from tools.tfstandin import harness

ROOT = Path(__file__).resolve().parents[2]
MODULE_DIRS = sorted(p for p in (ROOT / "modules").iterdir() if (p / "main.tf").exists())
EXAMPLE_DIRS = sorted(p for p in (ROOT / "examples").iterdir() if (p / "main.tf").exists())
TESTED = [ROOT, *MODULE_DIRS, *EXAMPLE_DIRS]
_EXPECT = re.compile(r"expect_failures\s*=\s*\[([^\]]*)\]")


def _test_files(directory: Path) -> list[Path]:
    return sorted((directory / "tests").glob("*.tftest.hcl")) + sorted(directory.glob("*.tftest.hcl"))


def _name(directory: Path) -> str:
    return str(directory.relative_to(ROOT)) or "root"


@pytest.fixture(scope="session")
def work() -> Path:
    return harness.workspace()


@pytest.mark.parametrize("directory", TESTED, ids=_name)
def test_has_terraform_tests(directory):
    assert _test_files(directory), f"{_name(directory)} has no tests/*.tftest.hcl"


@pytest.mark.parametrize("directory", TESTED, ids=_name)
def test_terraform_test_passes(work, directory):
    if not _test_files(directory):
        pytest.fail(f"{_name(directory)} has no tests/*.tftest.hcl")
    result = harness.test(work / directory.relative_to(ROOT))
    assert result.ok, result.output[-6000:]
    assert re.search(r"Success! \d+ passed, 0 failed", result.output), result.output[-2000:]


@pytest.mark.parametrize("directory", TESTED, ids=_name)
def test_every_validation_has_a_run_expecting_it_to_fail(directory):
    """As many expect_failures runs naming var.X as X has validation blocks (a run per rule)."""
    expected: dict[str, int] = {}
    for path in _test_files(directory):
        for listed in _EXPECT.findall(path.read_text()):
            for name in re.findall(r"var\.(\w+)", listed):
                expected[name] = expected.get(name, 0) + 1
    module = load_module(directory)
    for name, body in module.variables.items():
        rules = len(body.get("validation", []))
        assert expected.get(name, 0) >= rules, (
            f"{_name(directory)}: var.{name} has {rules} validations but {expected.get(name, 0)} expect_failures runs"
        )
