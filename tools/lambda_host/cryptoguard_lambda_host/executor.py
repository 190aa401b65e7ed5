"""A LocalStack RuntimeExecutor that runs a Python function's unpacked zip in a host process.

One execution environment is one child process (bootstrap.py) started with exactly the environment LocalStack
computed for the function (its variables, the role's credentials, the region, the timeout) and nothing of
LocalStack's own. The interpreter is CRYPTOGUARD_LAMBDA_PYTHON: a Python whose site-packages play the part of
the Lambda runtime's (boto3). What AWS enforces, this enforces too: the handler must come from the package, the
timeout kills the invocation (the next one starts a fresh process, as AWS resets the sandbox), and a crashed
runtime is an error result, never a hung invocation."""

from __future__ import annotations

import functools
import json
import logging
import os
import queue
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

LOG = logging.getLogger(__name__)
BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
PYTHON_VARIABLE = "CRYPTOGUARD_LAMBDA_PYTHON"
_EXITED = object()


@functools.cache
def _python(runtime: str = "") -> str:
    """The interpreter for a runtime; a python3.13 function never runs on another minor version unnoticed."""
    python = os.environ.get(PYTHON_VARIABLE)
    if not python or not os.access(python, os.X_OK):
        raise LambdaRuntimeException(
            f"{PYTHON_VARIABLE} must name the Python interpreter that runs functions (one with boto3); got {python!r}"
        )
    if runtime:
        version = subprocess.run(
            [python, "-c", "import sys; print('python%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if version != runtime:
            raise LambdaRuntimeException(f"the function's runtime is {runtime}, but {python} is {version}")
    return python


class HostProcessExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self._env: dict[str, str] = {}
        self._proc: subprocess.Popen | None = None
        self._results: queue.Queue = queue.Queue()
        self._log: deque[str] = deque(maxlen=20_000)  # the environment's last lines, as a container log
        self._lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def start(self, env_vars: dict[str, str]) -> None:
        runtime = str(self.function_version.config.runtime or "")
        if not runtime.startswith("python"):
            raise LambdaRuntimeException(f"the host executor runs Python functions only, not {runtime or 'images'}")
        self._env = {k: str(v) for k, v in env_vars.items()}
        self._spawn()

    def _spawn(self) -> None:
        code = self.function_version.config.code.get_unzipped_code_location()
        read_fd, write_fd = os.pipe()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            **self._env,
            "LAMBDA_TASK_ROOT": str(code),
            "CRYPTOGUARD_RESULT_FD": str(write_fd),
        }
        self._results = queue.Queue()
        self._proc = subprocess.Popen(
            [_python(str(self.function_version.config.runtime)), "-I", str(BOOTSTRAP)],
            cwd=code,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            start_new_session=True,
            text=True,
        )
        os.close(write_fd)
        threading.Thread(target=self._read_results, args=(read_fd, self._results), daemon=True).start()
        threading.Thread(target=self._read_log, args=(self._proc,), daemon=True).start()
        ready = self._next_result(float(config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT))
        if ready is _EXITED or not isinstance(ready, dict) or not ready.get("ready"):
            self._kill()
            raise LambdaRuntimeException(f"the function's runtime did not start:\n{self.get_logs()[-2000:]}")

    def _read_results(self, fd: int, results: queue.Queue) -> None:
        with os.fdopen(fd) as stream:
            for line in stream:
                results.put(json.loads(line))
        results.put(_EXITED)

    def _read_log(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            with self._lock:
                self._log.append(line)

    def _next_result(self, timeout: float) -> object:
        try:
            return self._results.get(timeout=timeout)
        except queue.Empty:
            return None

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    def stop(self) -> None:
        self._kill()

    # ---- invocations -----------------------------------------------------------------------------------------
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        if self._proc is None or self._proc.poll() is not None:
            self._spawn()  # after a timeout or a crash, as AWS starts a fresh sandbox
        timeout = float(self.function_version.config.timeout)
        started = time.monotonic()
        self._proc.stdin.write(json.dumps(payload) + "\n")
        self._proc.stdin.flush()
        result = self._next_result(timeout + 1.0)
        if isinstance(result, dict) and result.get("request_id") == request_id:
            body = result["payload"].encode()
            return InvocationResult(request_id, body, is_error=not result["ok"], logs=result["logs"])
        if result is None:
            self._kill()
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
            }
        else:
            code = self._proc.wait(timeout=10) if self._proc else None
            self._proc = None
            error = {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime exited with error: exit status {code}"}
        LOG.warning("%s after %.1fs: %s", self.function_version.qualified_arn, time.monotonic() - started, error)
        return InvocationResult(request_id, json.dumps(error).encode(), is_error=True, logs=self.get_logs()[-4000:])

    def get_logs(self) -> str:
        with self._lock:
            return "".join(self._log)

    # ---- addresses: everything is on this host -----------------------------------------------------------------
    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    # ---- versions ----------------------------------------------------------------------------------------------
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        try:
            _python()
        except LambdaRuntimeException as exc:
            LOG.warning("%s", exc)
            return False
        return True
