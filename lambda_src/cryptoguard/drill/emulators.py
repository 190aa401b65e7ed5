"""Start LocalStack (host mode, no Docker) and moto server as real processes and route every AWS service
to the emulator that implements it. Used by the pytest fixtures, the drill and `make emulators`.

Routing is one table (SERVICE_ROUTES): boto3 and the Terraform AWS provider both read per-service
endpoints (AWS_ENDPOINT_URL_<SERVICE>), so one environment serves every client. Anything not listed
goes to moto, so that nothing can ever reach a real AWS endpoint from a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LOCALSTACK = "localstack"
MOTO = "moto"
# LocalStack carries the event pipeline (EventBridge, SNS, SQS) and what sits next to it; moto hosts the
# services LocalStack does not serve here (GuardDuty, CloudTrail, Budgets, Cost Explorer, Organizations,
# DynamoDB) and the compute and identity world that the responder acts on, so they share one account view.
SERVICE_ROUTES: dict[str, str] = {
    "events": LOCALSTACK,
    "sns": LOCALSTACK,
    "sqs": LOCALSTACK,
    "s3": LOCALSTACK,
    "sts": LOCALSTACK,
    "kms": LOCALSTACK,
    "cloudwatch": LOCALSTACK,
    "logs": LOCALSTACK,
    "guardduty": MOTO,
    "cloudtrail": MOTO,
    "budgets": MOTO,
    "ce": MOTO,
    "organizations": MOTO,
    "dynamodb": MOTO,
    "ec2": MOTO,
    "autoscaling": MOTO,
    "ecs": MOTO,
    "lambda": MOTO,
    "iam": MOTO,
    "service-quotas": MOTO,
}
REGION = "us-east-1"


class EmulatorError(RuntimeError):
    """An emulator could not be started; the message carries the tail of its log."""


@dataclass
class Emulators:
    localstack_url: str
    moto_url: str
    versions: dict[str, str] = field(default_factory=dict)
    _processes: list[subprocess.Popen] = field(default_factory=list, repr=False)
    _workdir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def url(self, service: str) -> str:
        return self.localstack_url if SERVICE_ROUTES.get(service, MOTO) == LOCALSTACK else self.moto_url

    def env(self) -> dict[str, str]:
        """Environment for boto3 (and the Terraform provider): fake credentials, one endpoint a service."""
        env = {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
        for service in SERVICE_ROUTES:
            env[endpoint_variable(service)] = self.url(service)
        return env

    def apply_env(self) -> None:
        os.environ.update(self.env())

    def reset_moto(self) -> None:
        """Forget all moto state, so that tests do not see each other's resources."""
        _http(f"{self.moto_url}/moto-api/reset", method="POST")

    def stop(self) -> None:
        for proc in self._processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self._processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self._processes.clear()
        if self._workdir:
            self._workdir.cleanup()
            self._workdir = None


def endpoint_variable(service: str) -> str:
    """The variable botocore reads for a service: built from its service *id* (events -> EVENTBRIDGE)."""
    import botocore.session

    service_id = botocore.session.get_session().get_service_model(service).service_id
    return "AWS_ENDPOINT_URL_" + service_id.hyphenize().upper().replace("-", "_")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(url: str, method: str = "GET", timeout: float = 2.0) -> bytes:
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return resp.read()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def localstack_python() -> Path:
    return Path(os.environ.get("CRYPTOGUARD_LOCALSTACK_PYTHON", ROOT / ".venv-localstack" / "bin" / "python"))


def lambda_python() -> Path:
    return Path(os.environ.get("CRYPTOGUARD_LAMBDA_PYTHON", ROOT / ".venv-lambda" / "bin" / "python"))


def _wait(name: str, proc: subprocess.Popen, url: str, log: Path, ready, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmulatorError(f"{name} exited with code {proc.returncode}. Last lines of {log}:\n{_tail(log)}")
        with contextlib.suppress(OSError, ValueError):
            if ready(_http(url)):
                return
        time.sleep(0.3)
    raise EmulatorError(f"{name} did not become healthy within {timeout:.0f}s. Last lines of {log}:\n{_tail(log)}")


def start(timeout: float = 90.0) -> Emulators:
    """Start both emulators on free loopback ports, or use running ones named by CRYPTOGUARD_LOCALSTACK_URL
    and CRYPTOGUARD_MOTO_URL (as `make emulators` prints them)."""
    if os.environ.get("CRYPTOGUARD_LOCALSTACK_URL") and os.environ.get("CRYPTOGUARD_MOTO_URL"):
        emu = Emulators(os.environ["CRYPTOGUARD_LOCALSTACK_URL"], os.environ["CRYPTOGUARD_MOTO_URL"])
        emu.versions = _versions(emu)
        return emu
    python = localstack_python()
    for needed in (python, lambda_python()):
        if not needed.exists():
            raise EmulatorError(f"{needed} is missing: run `make setup`")
    workdir = tempfile.TemporaryDirectory(prefix="cryptoguard-emulators-")
    logs = Path(workdir.name)
    ls_port, moto_port = _free_port(), _free_port()
    emu = Emulators(f"http://127.0.0.1:{ls_port}", f"http://127.0.0.1:{moto_port}", _workdir=workdir)
    ls_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV"))},
        "GATEWAY_LISTEN": f"127.0.0.1:{ls_port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{ls_port}",
        # Lambda (and IAM, for its roles) run in LocalStack too, for the pipeline's own functions: the host-process
        # executor (tools/lambda_host) invokes the packaged zip in .venv-lambda, a Python with only boto3.
        "SERVICES": ",".join([*(s for s, target in SERVICE_ROUTES.items() if target == LOCALSTACK), "lambda", "iam"]),
        "LAMBDA_RUNTIME_EXECUTOR": "cryptoguard-host",
        "CRYPTOGUARD_LAMBDA_PYTHON": str(lambda_python()),
        # Event source mappings poll at least every half second, so a test waits for the function, not a backoff.
        "LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_EMPTY_POLL_SEC": "0.5",
        "LAMBDA_EVENT_SOURCE_MAPPING_MAX_BACKOFF_ON_ERROR_SEC": "2",
        "FILESYSTEM_ROOT": str(logs / "localstack-fs"),
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
        "PERSISTENCE": "0",
        "LS_LOG": "warn",
    }
    try:
        for name, cmd, env in (
            ("LocalStack", [str(python), "-m", "localstack.runtime.main"], ls_env),
            ("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)], None),
        ):
            log = logs / f"{name.lower()}.log"
            proc = subprocess.Popen(
                cmd,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=logs,
            )
            emu._processes.append(proc)
            if name == "LocalStack":
                _wait(
                    name,
                    proc,
                    f"{emu.localstack_url}/_localstack/health",
                    log,
                    lambda body: '"sqs": "available"' in body.decode() or '"sqs": "running"' in body.decode(),
                    timeout,
                )
            else:
                _wait(name, proc, f"{emu.moto_url}/moto-api/", log, lambda body: True, timeout)
    except BaseException:
        emu.stop()
        raise
    emu.versions = _versions(emu)
    return emu


def _versions(emu: Emulators) -> dict[str, str]:
    versions = {}
    with contextlib.suppress(OSError, ValueError):
        versions["localstack"] = json.loads(_http(f"{emu.localstack_url}/_localstack/health"))["version"]
    with contextlib.suppress(Exception):
        import importlib.metadata

        versions["moto"] = importlib.metadata.version("moto")
    return versions


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def serve_forever() -> int:
    """`make emulators`: start both, print how to use them, wait for Ctrl-C."""
    emu = start()
    print(f"LocalStack {emu.versions.get('localstack', '?')} at {emu.localstack_url}")
    print(f"moto {emu.versions.get('moto', '?')} at {emu.moto_url}")
    print("\n# Paste into another shell to use them (tests and the drill then reuse these):")
    print(f"export CRYPTOGUARD_LOCALSTACK_URL={emu.localstack_url} CRYPTOGUARD_MOTO_URL={emu.moto_url}")
    for key, value in emu.env().items():
        print(f"export {key}={value}")
    print("\nCtrl-C stops them.", flush=True)
    # SIGTERM (a `timeout`, a closed terminal's supervisor) must stop the emulators too, not orphan them.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0
