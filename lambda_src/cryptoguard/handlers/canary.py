"""Lambda entry point of the canary, run by its EventBridge Scheduler schedule in the security account: the
DryRun detonation in REGION (through DETONATION_ROLE_ARN when set, to detonate in another account), then a
wait of up to EXPECTED_MINUTES for the detection function to count the canary's alert, then the outcome as
metrics (canary.py). The alarms of modules/canary turn a missing alert or a failed run into a notification."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3

from cryptoguard.canary import detonate, report, wait_for_alert
from cryptoguard.sessions import assumed

log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)


def handler(_event: Any = None, _context: Any = None) -> dict[str, Any]:
    region, role = os.environ["REGION"], os.environ.get("DETONATION_ROLE_ARN")
    session = assumed(role, "cryptoguard-canary") if role else boto3.Session()
    started = datetime.now(UTC)
    detonate(session.client("ec2", region_name=region))
    cloudwatch = boto3.client("cloudwatch")
    seconds = wait_for_alert(cloudwatch, started, float(os.environ.get("EXPECTED_MINUTES", "10")))
    report(cloudwatch, seconds)
    outcome = {"region": region, "detonated": started.isoformat(), "alert_seconds": seconds}
    (log.info if seconds is not None else log.error)(json.dumps({"message": "canary", **outcome}))
    return outcome
