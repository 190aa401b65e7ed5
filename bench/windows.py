"""Cost per event of burst windows, and seed 004's full volume through the detection handler. Prints figures
and ratios; passes or fails nothing.

  .venv/bin/python bench/windows.py [--dynamodb]

With --dynamodb, the DynamoDB store runs too, on moto in process, and reports the items read and calls per
event (what DynamoDB bills); its times are moto's, whose transactions grow with the table, so they are slow
and not DynamoDB's.

1. One principal makes N AllocateAddress calls within ten minutes (N = 600 and 6,000), evaluated by the real
   pipeline with the in-memory store and with the DynamoDB store (moto, in process). Per-event cost should not
   grow with N: windows are counted in per-second buckets, so a call costs per second of window, not per call
   in it. Target: the 6,000 run costs at most 1.5x per event what the 600 run does.
2. Seed 004 (Meson): 6,000 instances launched 500 per call across 12 regions, with an Elastic IP and a volume
   each, through `handlers.detect.handler` in batches of 1,000 on the DynamoDB store: time per batch next to the
   function's timeout (modules/detection: 120 s)."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda_src"))

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from cryptoguard.drill import scenarios as sc  # noqa: E402
from cryptoguard.pipeline import BATCH_SIZE, process  # noqa: E402
from cryptoguard.rules import Context  # noqa: E402
from cryptoguard.settings import Settings  # noqa: E402
from cryptoguard.state import DynamoStore, MemoryStore  # noqa: E402

TIMEOUT_SECONDS = 120
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-west-2",
           "eu-central-1", "ap-northeast-1", "ap-southeast-1", "ap-south-1"]  # fmt: skip


def _at(clock: sc.Clock, start: datetime, offset_seconds: float) -> sc.Clock:
    clock.now = start + timedelta(seconds=int(offset_seconds))
    return clock


def allocations(n: int) -> list[dict]:
    """n AllocateAddress calls by one principal, spread evenly over ten minutes."""
    start, clock = datetime(2025, 3, 1, tzinfo=UTC), sc.Clock("2025-03-01T00:00:00Z", step_seconds=0)
    return [
        sc.eventbridge(
            sc.cloudtrail(_at(clock, start, 600 * i / n), "AllocateAddress", "ec2", {"domain": "vpc"},
                          region="us-east-1", identity=sc.STOLEN_USER)
        )
        for i in range(n)
    ]  # fmt: skip


def messages(events: list[dict]) -> list[dict]:
    return [{"messageId": str(i), "body": json.dumps(e)} for i, e in enumerate(events)]


def new_table(ddb) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    DynamoStore.create_table(ddb, name)
    return name


class Metered:
    """A DynamoDB client that counts calls and the items its queries read: DynamoDB bills reads by item size,
    so items read per event is the cost that matters there (moto's own query time grows with the table)."""

    def __init__(self, client) -> None:
        self._client, self.calls, self.items = client, 0, 0
        self.exceptions = client.exceptions

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(*args, **kwargs):
            self.calls += 1
            return method(*args, **kwargs)

        return call

    def get_paginator(self, name):
        paginator, meter = self._client.get_paginator(name), self

        class Counting:
            def paginate(self, **kwargs):
                for page in paginator.paginate(**kwargs):
                    meter.calls += 1
                    meter.items += len(page.get("Items", []))
                    yield page

        return Counting()


def per_event(events: list[dict], store) -> float:
    ctx = Context(Settings(allowed_regions=("us-east-1",)), store)
    started = time.perf_counter()
    for i in range(0, len(events), BATCH_SIZE):
        process(messages(events[i : i + BATCH_SIZE]), ctx, lambda alert: None)
    return (time.perf_counter() - started) / len(events)


def meson() -> list[dict]:
    """Seed 004: 12 RunInstances of 500 t2.micro (one a region), and per instance an address and a volume,
    over ten minutes."""
    start, clock, events = datetime(2024, 3, 1, tzinfo=UTC), sc.Clock("2024-03-01T00:00:00Z", step_seconds=0), []
    for i, region in enumerate(REGIONS):
        events.append(sc._run_instances(_at(clock, start, i), region, sc.STOLEN_USER, 500, "t2.micro"))
    for i in range(6000):
        region = REGIONS[i % len(REGIONS)]
        for name, params in (("AllocateAddress", {"domain": "vpc"}), ("CreateVolume", {"size": 100})):
            record = sc.cloudtrail(_at(clock, start, 600 * i / 6000), name, "ec2", params, region=region,
                                   identity=sc.STOLEN_USER)  # fmt: skip
            events.append(sc.eventbridge(record))
    return events


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    logging.getLogger("cryptoguard").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://{host}:{port}"
    ddb = boto3.client("dynamodb")
    try:
        print("burst windows: one principal, N AllocateAddress calls within ten minutes, real pipeline")
        small, large = (per_event(allocations(n), MemoryStore()) for n in (600, 6000))
        print(f"memory:   {small * 1e6:.0f} us/event at N=600, {large * 1e6:.0f} at N=6000: ratio {large / small:.2f}"
              " (target <= 1.5)")  # fmt: skip
        if "--dynamodb" not in sys.argv:
            print("dynamodb: run with --dynamodb (slow: moto's transactions grow with its table)")
        meters = {}
        for n in (600, 6000) if "--dynamodb" in sys.argv else ():
            meter = meters[n] = Metered(ddb)
            per_event(allocations(n), DynamoStore(new_table(ddb), meter))
            meter.items, meter.calls = meter.items / n, meter.calls / n
        if meters:
            few, many = meters[600], meters[6000]
            print(
                f"dynamodb: {few.items:.0f} items read and {few.calls:.1f} calls per event at N=600, "
                f"{many.items:.0f} and {many.calls:.1f} at N=6000: ratio {many.items / few.items:.2f} (target <= 1.5)"
            )

        events = meson()
        os.environ.update(TOPIC_ARN="", CRYPTOGUARD_SETTINGS=json.dumps({"allowed_regions": ["us-east-1"]}))
        if "--dynamodb" in sys.argv:
            os.environ["STATE_TABLE"] = new_table(ddb)
        from cryptoguard.handlers import detect

        detect.publish = lambda sns, topic, alert: None  # alerts are counted, not sent: SNS is not under test
        slowest = 0.0
        started = time.perf_counter()
        for i in range(0, len(events), BATCH_SIZE):
            t = time.perf_counter()
            detect.handler({"Records": messages(events[i : i + BATCH_SIZE])})
            slowest = max(slowest, time.perf_counter() - t)
        total = time.perf_counter() - started
        print(f"\nseed 004 volume: {len(events)} events in {-(-len(events) // BATCH_SIZE)} batches of {BATCH_SIZE}, "
              f"{total:.1f} s in all; slowest batch {slowest:.1f} s = {slowest / TIMEOUT_SECONDS:.0%} of the "
              f"{TIMEOUT_SECONDS} s timeout ({'DynamoDB on moto' if meters else 'in-memory windows'})")  # fmt: skip
    finally:
        server.stop()


if __name__ == "__main__":
    main()
