"""A schema-only Terraform provider: answers the plugin protocol (tfplugin6 over go-plugin) with responses
serialised in advance by tools.tfstandin.responses. Started by Terraform through the executable that
tools.tfstandin.build writes into the filesystem mirror; it imports only grpc so that each start is quick.

Usage (by Terraform): python server.py RESPONSES_DIR CERT_PEM KEY_PEM
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import threading
from concurrent import futures
from pathlib import Path

import grpc

# go-plugin's cookie: a provider run by hand (not by Terraform) says so instead of waiting forever.
MAGIC_COOKIE = ("TF_PLUGIN_MAGIC_COOKIE", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")


def _unary(payload: bytes, after=None):
    def handler(request: bytes, context: grpc.ServicerContext) -> bytes:
        if after:
            after()
        return payload

    return grpc.unary_unary_rpc_method_handler(handler)


def serve(responses: Path, cert_pem: bytes, key_pem: bytes) -> None:
    if os.environ.get(MAGIC_COOKIE[0]) != MAGIC_COOKIE[1]:
        sys.exit("This is a Terraform provider stand-in: Terraform starts it, it is not run by hand.")
    stopped = threading.Event()
    methods = {path.stem: _unary(path.read_bytes()) for path in responses.glob("*.bin")}
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler("tfplugin6.Provider", methods),
            grpc.method_handlers_generic_handler("plugin.GRPCController", {"Shutdown": _unary(b"", stopped.set)}),
            grpc.method_handlers_generic_handler(
                "plugin.GRPCStdio", {"StreamStdio": grpc.unary_stream_rpc_method_handler(lambda req, ctx: iter(()))}
            ),
        )
    )
    with tempfile.TemporaryDirectory(prefix="tfstandin-") as tmp:
        socket = f"{tmp}/plugin.sock"
        # go-plugin's automatic mutual TLS: Terraform sends its certificate and expects ours in the handshake.
        # Its client certificate is not verified here (Python's gRPC rejects its P-521 key for client auth).
        if os.environ.get("PLUGIN_CLIENT_CERT"):
            server.add_secure_port(f"unix://{socket}", grpc.ssl_server_credentials([(key_pem, cert_pem)]))
            der = base64.b64decode(b"".join(line for line in cert_pem.splitlines() if b"-----" not in line))
            tls = "|" + base64.b64encode(der).decode().rstrip("=")
        else:
            server.add_insecure_port(f"unix://{socket}")
            tls = ""
        server.start()
        print(f"1|6|unix|{socket}|grpc{tls}", flush=True)
        stopped.wait()
        server.stop(grace=0.2)


if __name__ == "__main__":
    directory, cert, key = (Path(arg) for arg in sys.argv[1:4])
    serve(directory, cert.read_bytes(), key.read_bytes())
