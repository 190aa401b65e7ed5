"""Lambda entry point of the GuardDuty coverage audit, run on a schedule in the delegated administrator's account:
in every region of REGIONS (JSON list) it reads the detector and its features, the members and theirs, and the
resources whose runtime coverage is UNHEALTHY, and publishes each gap to TOPIC_ARN as an alert of the usual
format (rules CG-COVERAGE-*). A region that cannot be read is a gap too (CG-COVERAGE-004), never silence."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from cryptoguard.coverage import ENABLED_MEMBER, Gap, region_gaps, unreadable
from cryptoguard.notify import publish
from cryptoguard.sessions import ADAPTIVE_RETRIES, own_account

log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)
MEMBERS_PER_CALL = 50  # GetMemberDetectors takes at most 50 account ids


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


def audit_region(client: Any, region: str, admin: str) -> list[Gap]:
    """The gaps of one region, read through `client` (GuardDuty in that region)."""
    detectors = client.list_detectors().get("DetectorIds", [])
    if not detectors:
        return region_gaps(region, admin, None)
    detector_id = detectors[0]
    detector = client.get_detector(DetectorId=detector_id)
    members = _pages(client, "list_members", "Members", DetectorId=detector_id, OnlyAssociated="false")
    enabled = [m["AccountId"] for m in members if m.get("RelationshipStatus") == ENABLED_MEMBER]
    member_features: list[dict] = []
    for start in range(0, len(enabled), MEMBERS_PER_CALL):
        answer = client.get_member_detectors(
            DetectorId=detector_id, AccountIds=enabled[start : start + MEMBERS_PER_CALL]
        )
        member_features += answer.get("MemberDataSourceConfigurations", [])
    criteria = {"FilterCriterion": [{"CriterionKey": "COVERAGE_STATUS", "FilterCondition": {"Equals": ["UNHEALTHY"]}}]}
    unhealthy = _pages(client, "list_coverage", "Resources", DetectorId=detector_id, FilterCriteria=criteria)
    return region_gaps(region, admin, detector, members, member_features, unhealthy)


def audit(regions: list[str], admin: str, client_for: Callable[[str], Any]) -> list[Gap]:
    gaps: list[Gap] = []
    for region in regions:
        try:
            gaps += audit_region(client_for(region), region, admin)
        except (ClientError, BotoCoreError) as exc:
            log.error(json.dumps({"message": "coverage unreadable", "region": region, "error": str(exc)}))
            gaps.append(unreadable(region, admin, str(exc)))
    return gaps


def handler(_event: Any = None, _context: Any = None) -> dict[str, Any]:
    regions = json.loads(os.environ["REGIONS"])
    admin = own_account()
    gaps = audit(regions, admin, lambda region: boto3.client("guardduty", region_name=region, config=ADAPTIVE_RETRIES))
    sns, topic, now = boto3.client("sns", config=ADAPTIVE_RETRIES), os.environ["TOPIC_ARN"], datetime.now(UTC)
    failed = 0
    for gap in gaps:  # one failed publish must not keep the other gaps from people
        try:
            publish(sns, topic, gap.alert(now))
        except (ClientError, BotoCoreError):
            failed += 1
            log.exception(json.dumps({"message": "gap not published", "rule": gap.rule.id, "region": gap.region}))
    summary = {"regions": len(regions), "gaps": len(gaps), "unpublished": failed}
    log.info(json.dumps({"message": "coverage audit", **summary, "by_rule": Counter(g.rule.id for g in gaps)}))
    if failed:  # the invocation fails, so its errors alarm and the asynchronous retry try again
        raise RuntimeError(f"{failed} of {len(gaps)} coverage gaps could not be published")
    return summary
