"""Alerts as Security Hub findings (AWS Security Finding Format). Pure: the handler imports what this builds.

One finding per incident: its Id is derived from the incident key, so each alert of an incident re-imports the
same finding (UpdatedAt, LastObservedAt and the count move on) and an incident that closes is archived by
re-importing it with RecordState ARCHIVED. With the default product ARN, Security Hub accepts a finding only
from the account it names (AwsAccountId): that is the importing (security) account; the account the incident is
about is the finding's first resource, an AwsAccount."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

SCHEMA_VERSION = "2018-10-08"
# How our severities map to ASFF labels (ASFF has no MEDIUM/HIGH spelling of its own beyond these).
LABELS = {"INFO": "INFORMATIONAL", "LOW": "LOW", "MEDIUM": "MEDIUM", "HIGH": "HIGH", "CRITICAL": "CRITICAL"}
TYPES = ["Effects/Resource Consumption/Cryptomining"]
MAX_RESOURCES = 32  # ASFF's limit per finding
RESOURCE_TYPES = {
    "instance": "AwsEc2Instance",
    "auto_scaling_group": "AwsAutoScalingAutoScalingGroup",
    "ecs_service": "AwsEcsService",
    "function_url": "AwsLambdaFunction",
    "access_key": "AwsIamAccessKey",
}
REMEDIATION = (
    "Confirm with the account owner whether this was expected. If not: deactivate the principal's access keys, "
    "contain the resources listed (the cryptoguard responder in dry_run lists the exact actions), and check the "
    "region and account for further launches."
)


def product_arn(partition: str, region: str, account: str) -> str:
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def finding_id(incident: str) -> str:
    """Stable per incident and within ASFF's 512 characters, whatever a principal's ARN holds."""
    return "cryptoguard/" + hashlib.sha256(incident.encode()).hexdigest()[:40]


def _resources(alert: dict, partition: str) -> list[dict[str, Any]]:
    resources = [{"Type": "AwsAccount", "Id": f"AWS::::Account:{alert['account']}", "Partition": partition}]
    for target in alert.get("targets", [])[: MAX_RESOURCES - 1]:
        resources.append(
            {
                "Type": RESOURCE_TYPES.get(target["kind"], "Other"),
                "Id": target["id"][:512],
                "Partition": partition,
                "Region": target["region"] or alert.get("region") or "us-east-1",
            }
        )
    return resources


def _title(alert: dict) -> str:
    money = (alert.get("cost") or {}).get("cost_per_30_days_usd")
    prefix = f"~${money:,.0f} / 30 days: " if money else ""
    return (prefix + str(alert["title"]))[:256]


def finding(alert: dict, account: str, region: str, now: datetime, partition: str = "aws") -> dict[str, Any]:
    """The ASFF finding of an alert (the dict Alert.to_dict gives, as the alert bus carries it)."""
    total = int(alert.get("incident_count") or alert.get("count") or 1)
    cost = alert.get("cost") or {}
    seen = [t for t in (alert.get("first_seen"), alert.get("last_seen")) if t]
    description = (
        f"{total} x {', '.join(alert.get('event_names', [])[:5]) or alert['rule_id']} by {alert.get('principal')} "
        f"in account {alert['account']}, region {alert.get('region')}."
        + (f" Money at risk: ${cost['cost_per_hour_usd']:,.2f}/h." if cost.get("cost_per_hour_usd") else "")
    )
    fields = {
        "cryptoguard/rule_id": alert["rule_id"],
        "cryptoguard/incident": alert.get("incident", "")[:4096],
        "cryptoguard/account": alert["account"],
        "cryptoguard/count": str(total),
        "cryptoguard/seed": str(alert.get("seed", "")),
        "cryptoguard/mitre": str(alert.get("mitre", "")),
    }
    if cost:
        fields["cryptoguard/cost_per_hour_usd"] = str(cost.get("cost_per_hour_usd"))
        fields["cryptoguard/cost_per_30_days_usd"] = str(cost.get("cost_per_30_days_usd"))
    severity = {"Label": LABELS.get(alert["severity"], "MEDIUM"), "Original": alert["severity"]}
    stamp = now.isoformat().replace("+00:00", "Z")
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(alert.get("incident") or alert["rule_id"]),
        "ProductArn": product_arn(partition, region, account),
        "GeneratorId": f"cryptoguard/{alert['rule_id']}",
        "AwsAccountId": account,
        "Types": TYPES,
        "FindingProviderFields": {"Severity": severity, "Types": TYPES},
        "Severity": severity,
        "CreatedAt": seen[0] if seen else stamp,
        "FirstObservedAt": seen[0] if seen else stamp,
        "LastObservedAt": seen[-1] if seen else stamp,
        "UpdatedAt": stamp,
        "Title": _title(alert),
        "Description": description[:1024],
        "Remediation": {"Recommendation": {"Text": REMEDIATION}},
        "ProductFields": fields,
        "Resources": _resources(alert, partition),
        "RecordState": "ACTIVE",
    }


def archived(found: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The same finding, closed."""
    return {**found, "RecordState": "ARCHIVED", "UpdatedAt": now.isoformat().replace("+00:00", "Z")}


def closed(found: dict[str, Any], now: datetime, window: timedelta) -> bool:
    """An active finding of ours whose incident saw no alert within the incident window."""
    if found.get("RecordState") != "ACTIVE" or not str(found.get("Id", "")).startswith("cryptoguard/"):
        return False
    updated = datetime.fromisoformat(str(found["UpdatedAt"]).replace("Z", "+00:00"))
    return now - updated >= window
