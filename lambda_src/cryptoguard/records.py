"""One normalised record for every input, so the rules never care where an event came from.

Inputs: an EventBridge "AWS API Call via CloudTrail" event (the CloudTrail record is its `detail`), a record
from a CloudTrail log file (`{"Records": [...]}`), and a GuardDuty finding event. Anything else raises
MalformedEvent with a reason a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
GUARDDUTY_DETAIL_TYPE = "GuardDuty Finding"
GUARDDUTY_SOURCE = "guardduty.amazonaws.com"
AWS_INTERNAL = "AWS Internal"
SERVICE_LINKED_ROLE = ":role/aws-service-role/"


def _service_host(value: str) -> bool:
    return value == AWS_INTERNAL or value.endswith(".amazonaws.com")


class MalformedEvent(ValueError):
    """The input is not a CloudTrail record, an EventBridge event carrying one, or a GuardDuty finding."""


@dataclass(frozen=True, slots=True)
class Record:
    event_id: str
    event_name: str
    event_source: str
    event_time: datetime
    account: str
    region: str
    principal: str
    principal_type: str = ""
    session_issuer: str = ""
    access_key_id: str = ""
    source_ip: str = ""
    user_agent: str = ""
    invoked_by: str = ""
    read_only: bool = False
    error_code: str = ""
    request: dict = field(default_factory=dict)
    response: dict = field(default_factory=dict)
    finding: dict | None = None  # GuardDuty finding (the event's detail) when the input was one

    @property
    def service(self) -> str:
        return self.event_source.split(".", 1)[0]

    @property
    def succeeded(self) -> bool:
        return not self.error_code

    @property
    def by_aws_service(self) -> bool:
        """A call AWS made, not a person or a workload: a service principal, a call a service made on someone's
        behalf (`invokedBy`, a service host or "AWS Internal" as the source), or a service-linked role. The
        user agent alone is not enough: console calls carry a service host there too."""
        return (
            self.principal_type == "AWSService"
            or bool(self.invoked_by)
            or _service_host(self.source_ip)
            or (self.user_agent == AWS_INTERNAL and not self.source_ip)
            or SERVICE_LINKED_ROLE in self.session_issuer
        )

    @property
    def acting_service(self) -> str:
        """The service that made the call ("autoscaling.amazonaws.com"), or "" for a person or workload."""
        for candidate in (self.invoked_by, self.source_ip):
            if _service_host(candidate):
                return candidate
        if SERVICE_LINKED_ROLE in self.session_issuer:
            return self.session_issuer.split(SERVICE_LINKED_ROLE, 1)[1].split("/", 1)[0]
        return self.invoked_by or ("AWS Internal" if self.by_aws_service else "")

    def to_eventbridge(self) -> dict:
        """The EventBridge event this record arrives as, for matching against the patterns."""
        if self.finding is not None:
            return {
                "source": "aws.guardduty",
                "detail-type": GUARDDUTY_DETAIL_TYPE,
                "account": self.account,
                "region": self.region,
                "detail": self.finding,
            }
        detail = {
            "eventID": self.event_id,
            "eventName": self.event_name,
            "eventSource": self.event_source,
            "awsRegion": self.region,
            "readOnly": self.read_only,
            "userIdentity": {"type": self.principal_type, "arn": self.principal},
            "requestParameters": self.request,
        }
        return {
            "source": f"aws.{self.service}",
            "detail-type": CLOUDTRAIL_DETAIL_TYPE,
            "account": self.account,
            "region": self.region,
            "detail": detail,
        }


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"event time missing or not a string: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedEvent(f"event time is not ISO 8601: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _principal(identity: dict) -> tuple[str, str, str]:
    kind = str(identity.get("type", ""))
    issuer = ""
    context = identity.get("sessionContext")
    if isinstance(context, dict) and isinstance(context.get("sessionIssuer"), dict):
        issuer = str(context["sessionIssuer"].get("arn", ""))
    arn = identity.get("arn") or issuer or identity.get("invokedBy") or identity.get("principalId") or kind
    return str(arn or "unknown"), kind, issuer


def as_dict(value: Any) -> dict:
    """Request fields are attacker- and producer-controlled: read nested ones through these, never directly."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def from_cloudtrail(record: Any) -> Record:
    """A CloudTrail record, as in a log file or an EventBridge event's detail."""
    if not isinstance(record, dict):
        raise MalformedEvent(f"CloudTrail record is a {type(record).__name__}, not an object")
    missing = [k for k in ("eventName", "eventSource", "eventTime") if not isinstance(record.get(k), str)]
    if missing:
        raise MalformedEvent(f"CloudTrail record lacks {', '.join(missing)}")
    identity = as_dict(record.get("userIdentity"))
    principal, kind, issuer = _principal(identity)
    return Record(
        event_id=str(record.get("eventID", "")),
        event_name=record["eventName"],
        event_source=record["eventSource"],
        event_time=parse_time(record["eventTime"]),
        account=str(record.get("recipientAccountId") or identity.get("accountId") or ""),
        region=str(record.get("awsRegion", "")),
        principal=principal,
        principal_type=kind,
        session_issuer=issuer,
        access_key_id=str(identity.get("accessKeyId", "")),
        source_ip=str(record.get("sourceIPAddress", "")),
        user_agent=str(record.get("userAgent", "")),
        invoked_by=str(identity.get("invokedBy", "")),
        read_only=record.get("readOnly") in (True, "true"),
        error_code=str(record.get("errorCode") or ""),
        request=as_dict(record.get("requestParameters")),
        response=as_dict(record.get("responseElements")),
    )


def from_guardduty(event: dict) -> Record:
    finding = event.get("detail")
    if not isinstance(finding, dict) or not isinstance(finding.get("type"), str):
        raise MalformedEvent("GuardDuty event has no finding type in detail")
    resource = as_dict(finding.get("resource"))
    key = as_dict(resource.get("accessKeyDetails"))
    action = as_dict(as_dict(finding.get("service")).get("action"))
    api = as_dict(action.get("awsApiCallAction"))
    return Record(
        event_id=str(finding.get("id") or event.get("id", "")),
        event_name=finding["type"],
        event_source=GUARDDUTY_SOURCE,
        event_time=parse_time(finding.get("updatedAt") or finding.get("createdAt") or event.get("time")),
        account=str(finding.get("accountId") or event.get("account", "")),
        region=str(finding.get("region") or event.get("region", "")),
        principal=str(key.get("principalId") or key.get("userName") or resource.get("resourceType", "unknown")),
        access_key_id=str(key.get("accessKeyId", "")),
        source_ip=str(as_dict(as_dict(api.get("remoteIpDetails"))).get("ipAddressV4", "")),
        finding=finding,
    )


def normalise(item: Any) -> Record:
    """Any supported input: an EventBridge event (CloudTrail or GuardDuty) or a bare CloudTrail record."""
    if not isinstance(item, dict):
        raise MalformedEvent(f"event is a {type(item).__name__}, not a JSON object")
    detail_type = item.get("detail-type")
    if detail_type is not None or "detail" in item:
        if detail_type == GUARDDUTY_DETAIL_TYPE:
            return from_guardduty(item)
        if detail_type == CLOUDTRAIL_DETAIL_TYPE:
            return from_cloudtrail(item.get("detail"))
        raise MalformedEvent(f"unsupported EventBridge detail-type {detail_type!r}")
    return from_cloudtrail(item)
