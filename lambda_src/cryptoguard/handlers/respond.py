"""Lambda entry point of the responder: "Cryptoguard Alert" events from the alert bus -> actions -> a report on
the alert topic. Environment: RESPONSE_SETTINGS (JSON, see respond/actions.py), TOPIC_ARN, and
MEMBER_ROLE_NAME (the role to assume in other accounts of the organisation; without it, only this account).

Trust: the alert bus admits only the detection function (modules/detection), and this handler still checks
every event before acting: it must be a Cryptoguard Alert put by this account, well formed, and it acts only
in the alert's own account, through that account's role. It never falls back to acting on a same-named
resource in its own account."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from functools import cache
from typing import Any

import boto3

from cryptoguard.notify import sns_subject
from cryptoguard.provenance import provenance_problem
from cryptoguard.respond.actions import Outcome, Responder, ResponseSettings, wanted
from cryptoguard.sessions import assumed, own_account

log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)


_own_account = cache(own_account)  # a warm environment asks STS once


@cache
def _session(account: str) -> boto3.Session:
    if account == _own_account():
        return boto3.Session()
    role = os.environ.get("MEMBER_ROLE_NAME")
    if not role:
        raise PermissionError(f"no MEMBER_ROLE_NAME to act in account {account}; nothing done there")
    return assumed(f"arn:aws:iam::{account}:role/{role}", "cryptoguard-responder")


def _client(service: str, account: str, region: str) -> Any:
    return _session(account).client(service, region_name=region or None)


def subject(rule_id: str, outcomes: list[Outcome], mode: str) -> str:
    """What happened, counted by outcome: "[RESPONSE] CG-ASG-001: 3 done, 2 failed" (dry run: planned)."""
    counts = Counter(o.status for o in outcomes)
    order = ("failed", "done", "planned", "unchanged", "gone", "allowlisted")
    parts = ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
    prefix = "[RESPONSE DRY RUN]" if mode == "dry_run" else "[RESPONSE]"
    return sns_subject(f"{prefix} {rule_id}: {parts}")


def handler(event: Any, _context: Any = None) -> dict[str, Any]:
    settings = ResponseSettings.from_env()
    problem = provenance_problem(event, _own_account())
    if problem:
        log.error(json.dumps({"message": "alert rejected, nothing done", "reason": problem, "event": str(event)[:500]}))
        return {"rejected": problem}
    alert = event["detail"]
    targets = wanted(alert, settings)
    outcomes = Responder(settings, _client).respond(targets)
    report = {
        "mode": settings.mode,
        "rule_id": alert["rule_id"],
        "incident": alert.get("incident"),
        "account": alert["account"],
        "outcomes": [o.as_dict() for o in outcomes],
    }
    for outcome in outcomes:
        log.info(json.dumps({"message": "response", "mode": settings.mode, **outcome.as_dict()}))
    topic = os.environ.get("TOPIC_ARN")
    if outcomes and topic and any(o.status in ("done", "planned", "failed") for o in outcomes):
        boto3.client("sns").publish(
            TopicArn=topic,
            Subject=subject(alert["rule_id"], outcomes, settings.mode),
            Message=json.dumps(report, indent=2),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": alert["severity"]},
                "rule_id": {"DataType": "String", "StringValue": "RESPONSE"},
            },
        )
    return report
