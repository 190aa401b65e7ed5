"""The function's runtime, run by the executor as `python -I bootstrap.py` in the unpacked package (standard
library only). It does what the AWS Python runtime does: imports `_HANDLER` from LAMBDA_TASK_ROOT once (the
cold start), then serves invocations one at a time, each with a Lambda context and the runtime's log format.

Protocol with the executor: invocations arrive as JSON lines on stdin; every answer is one JSON line on the
file descriptor named by CRYPTOGUARD_RESULT_FD: first {"ready": true, "init_error": ...}, then per invocation
{"request_id", "ok", "payload", "logs"}. stdout and stderr stay the environment's log."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

# The AWS Python runtime's log line: level, UTC time, request id, message, tab-separated.
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class _Tee(io.TextIOBase):
    """stdout/stderr during an invocation: the environment's log and that invocation's log."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.capture: io.StringIO | None = None

    def write(self, text: str) -> int:
        if self.capture is not None:
            self.capture.write(text)
        return self.real.write(text)

    def flush(self) -> None:
        self.real.flush()


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class LambdaContext:
    def __init__(self, request_id: str, invoked_arn: str, timeout: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def _load_handler(task_root: str) -> Any:
    name = os.environ["_HANDLER"]
    module_name, _, function = name.rpartition(".")
    if not module_name:
        raise ValueError(f"Bad handler '{name}': expected module.function")
    module = importlib.import_module(module_name)
    # The package must be self-contained, as on AWS: a module found elsewhere on the host is a packaging error.
    origin = os.path.realpath(getattr(module, "__file__", "") or "")
    if not origin.startswith(os.path.realpath(task_root) + os.sep):
        raise ImportError(f"Handler module '{module_name}' was imported from {origin}, outside the package")
    return getattr(module, function)


def main() -> int:
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path.insert(0, task_root)
    results = os.fdopen(int(os.environ["CRYPTOGUARD_RESULT_FD"]), "w", buffering=1)
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err
    request_filter = _RequestIdFilter()
    handler_ = logging.StreamHandler(out)
    handler_.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    handler_.formatter.converter = time.gmtime
    handler_.addFilter(request_filter)
    logging.getLogger().addHandler(handler_)

    init_error = None
    try:
        function = _load_handler(task_root)
    except Exception as exc:  # reported on every invoke, as AWS reports Runtime.ImportModuleError
        traceback.print_exc()
        init_error = _error(exc, "Runtime.ImportModuleError")
    results.write(json.dumps({"ready": True, "init_error": init_error}) + "\n")

    for line in sys.stdin:
        invocation = json.loads(line)
        request_id = invocation["invoke-id"]
        request_filter.request_id = request_id
        capture = io.StringIO()
        out.capture = err.capture = capture
        print(f"START RequestId: {request_id} Version: {os.environ.get('AWS_LAMBDA_FUNCTION_VERSION', '$LATEST')}")
        started = time.monotonic()
        if init_error:
            ok, payload = False, json.dumps(init_error)
        else:
            try:
                event = json.loads(invocation["payload"]) if invocation.get("payload") else {}
                context = LambdaContext(request_id, invocation.get("invoked-function-arn", ""), timeout)
                ok, payload = True, json.dumps(function(event, context))
            except Exception as exc:
                traceback.print_exc()
                ok, payload = False, json.dumps(_error(exc))
        print(f"END RequestId: {request_id}")
        print(f"REPORT RequestId: {request_id}\tDuration: {(time.monotonic() - started) * 1000:.2f} ms")
        out.flush()
        err.flush()
        out.capture = err.capture = None
        results.write(
            json.dumps({"request_id": request_id, "ok": ok, "payload": payload, "logs": capture.getvalue()}) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
