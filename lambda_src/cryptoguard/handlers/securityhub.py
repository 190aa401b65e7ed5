"""Lambda entry point of the Security Hub import: alerts from the alert bus -> one ASFF finding per incident, in
this (the delegated administrator's) account and region; and, on its hourly schedule, incidents that closed ->
their findings archived.

Trust: like the responder, it imports only a Cryptoguard Alert this account's detection function put on the bus
(provenance.py). A failed import raises, so that EventBridge retries the event and finally sets it aside in the
target's dead-letter queue."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import boto3

from cryptoguard.alerts import INCIDENT_WINDOW
from cryptoguard.provenance import provenance_problem
from cryptoguard.securityhub import archived, closed, finding, finding_id, product_arn
from cryptoguard.sessions import ADAPTIVE_RETRIES

log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)
PAGE = 100  # GetFindings' largest page


def _where(client: Any) -> tuple[str, str, str]:
    """(partition, region, account) of this function."""
    identity = boto3.client("sts").get_caller_identity()
    return identity["Arn"].split(":")[1], client.meta.region_name, identity["Account"]


def _import(client: Any, findings: list[dict]) -> int:
    if not findings:
        return 0
    response = client.batch_import_findings(Findings=findings)
    if response.get("FailedCount"):
        raise RuntimeError(f"Security Hub refused {response['FailedCount']} findings: {response['FailedFindings']}")
    return response.get("SuccessCount", len(findings))


def _existing(client: Any, product: str, ident: str) -> dict | None:
    filters = {
        "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
        "Id": [{"Value": ident, "Comparison": "EQUALS"}],
    }
    found = client.get_findings(Filters=filters, MaxResults=1)["Findings"]
    return next((f for f in found if f.get("Id") == ident), None)


def import_alert(client: Any, alert: dict, partition: str, region: str, account: str, now: datetime) -> dict:
    """Create the incident's finding, or update it: the count, UpdatedAt and LastObservedAt move on, when it was
    first seen stays, and an archived one becomes active again."""
    new = finding(alert, account, region, now, partition)
    old = _existing(client, new["ProductArn"], finding_id(alert.get("incident") or alert["rule_id"]))
    if old:
        for key in ("CreatedAt", "FirstObservedAt"):
            new[key] = min(old.get(key) or new[key], new[key])
    _import(client, [new])
    return new


def archive_closed(client: Any, partition: str, region: str, account: str, now: datetime) -> int:
    """Archive every active finding of ours whose incident had no alert within the incident window."""
    product = product_arn(partition, region, account)
    filters = {
        "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "UpdatedAt": [{"End": (now - INCIDENT_WINDOW).isoformat()}],
    }
    count = 0
    for page in client.get_paginator("get_findings").paginate(Filters=filters, PaginationConfig={"PageSize": PAGE}):
        stale = [
            archived(f, now)
            for f in page["Findings"]
            if f.get("ProductArn") == product and closed(f, now, INCIDENT_WINDOW)
        ]
        count += _import(client, stale)
    return count


def handler(event: Any, _context: Any = None) -> dict[str, Any]:
    client = boto3.client("securityhub", config=ADAPTIVE_RETRIES)
    partition, region, account = _where(client)
    now = datetime.now(UTC)
    if isinstance(event, dict) and event.get("detail-type") == "Scheduled Event":
        count = archive_closed(client, partition, region, account, now)
        log.info(json.dumps({"message": "closed incidents archived", "archived": count}))
        return {"archived": count}
    problem = provenance_problem(event, account)
    if problem:
        log.error(
            json.dumps({"message": "alert rejected, nothing imported", "reason": problem, "event": str(event)[:500]})
        )
        return {"rejected": problem}
    imported = import_alert(client, event["detail"], partition, region, account, now)
    log.info(
        json.dumps(
            {"message": "alert imported", "id": imported["Id"], "count": imported["ProductFields"]["cryptoguard/count"]}
        )
    )
    return {"imported": imported["Id"]}
