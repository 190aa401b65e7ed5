"""Shared fixtures. The emulators are real processes (LocalStack in host mode, moto server) started once per
session on free loopback ports; a test that needs them fails with the emulator's log if they cannot start."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from cryptoguard.drill import emulators as emu_mod
from cryptoguard.drill.scenarios import ALLOWED_REGIONS
from cryptoguard.settings import Settings

_STARTED: dict[str, emu_mod.Emulators] = {}


@pytest.fixture(scope="session")
def emulators() -> Iterator[emu_mod.Emulators]:
    saved = dict(os.environ)
    emu = emu_mod.start()  # raises EmulatorError with the log tail: the test errors, it never skips
    _STARTED["emu"] = emu
    emu.apply_env()
    yield emu
    emu.stop()
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def aws(emulators: emu_mod.Emulators) -> emu_mod.Emulators:
    """The emulators with moto's state reset, so tests do not see each other's resources. LocalStack state
    is kept (it is slow to reset); tests there use unique names from `unique`."""
    emulators.reset_moto()
    return emulators


@pytest.fixture
def aws_in_process(monkeypatch) -> Iterator[None]:
    """moto in this process (mock_aws), for unit tests of code that calls AWS."""
    from moto import mock_aws

    for key in [k for k in list(os.environ) if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(key)  # the emulator fixtures may have pointed boto3 elsewhere
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def settings() -> Settings:
    return Settings(allowed_regions=ALLOWED_REGIONS)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    emu = _STARTED.get("emu")
    if emu:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(emu.versions.items()))
        terminalreporter.write_line(
            f"emulators used: {versions} (LocalStack {emu.localstack_url}, moto {emu.moto_url})"
        )
