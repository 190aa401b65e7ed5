"""An attacker blinding the defences before (or while) mining: the trail stopped or narrowed, GuardDuty
switched off or told to archive, this project's rules disabled, the account leaving the organisation, a new
region switched on, this project's protection tags set; and AWS itself quarantining a leaked key."""

from __future__ import annotations

from collections.abc import Iterator

from cryptoguard.indicators import walk
from cryptoguard.records import Record, as_dict, as_list
from cryptoguard.rules.base import Context, Finding, Rule, Severity

TRAIL = Rule(
    "CG-TAMPER-001",
    "CloudTrail logging stopped or narrowed",
    Severity.HIGH,
    "000",
    "T1562.008",
    "StopLogging or DeleteTrail; UpdateTrail turning off multi-region, global-service or organisation logging; "
    "PutEventSelectors dropping management events; PutInsightSelectors clearing Insights (MEDIUM).",
)
GUARDDUTY = Rule(
    "CG-TAMPER-002",
    "GuardDuty disabled or told to look away",
    Severity.HIGH,
    "002",
    "T1562.001",
    "DeleteDetector, UpdateDetector disabling the detector or Runtime Monitoring, leaving the administrator "
    "account, a filter that archives findings (HIGH when it names crypto or runtime findings); trusted IP and "
    "threat lists changed (MEDIUM).",
)
EVENT_RULES = Rule(
    "CG-TAMPER-003",
    "This project's EventBridge rules disabled or changed",
    Severity.HIGH,
    "000",
    "T1562.001",
    "DisableRule, DeleteRule or RemoveTargets on a rule named protected_rule_prefix*; PutRule on one (MEDIUM), "
    "by anyone but administrator_principals.",
)
ORGANIZATION = Rule(
    "CG-TAMPER-004",
    "Account leaving the organisation",
    Severity.HIGH,
    "000",
    "T1666",
    "LeaveOrganization: the account takes itself out of the organisation's SCPs, trail and GuardDuty.",
)
NEW_REGION = Rule(
    "CG-TAMPER-005",
    "Opt-in region enabled",
    Severity.MEDIUM,
    "000",
    "T1535",
    "EnableRegion (account API); HIGH when the region is outside allowed_regions: the first step to mining "
    "where nobody looks.",
)
PROTECTION_TAG = Rule(
    "CG-TAMPER-006",
    "Protection tag set by someone else",
    Severity.HIGH,
    "002",
    "T1562.001",
    "A tag in protection_tag_keys (the responder's allow tag, the alarm opt-out) added by a principal not in "
    "administrator_principals: it switches response or alarms off for that resource.",
)
QUARANTINE = Rule(
    "CG-KEY-001",
    "AWS quarantined a leaked access key",
    Severity.CRITICAL,
    "000",
    "T1078.004",
    "AWS attached AWSCompromisedKeyQuarantine* to a user: it found the user's key exposed. Everything that user "
    "did since belongs to the incident.",
)
RULES = (TRAIL, GUARDDUTY, EVENT_RULES, ORGANIZATION, NEW_REGION, PROTECTION_TAG, QUARANTINE)

QUARANTINE_POLICY = "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine"
TAG_EVENTS = {"CreateTags", "CreateOrUpdateTags", "TagResource", "AddTags", "AddTagsToResource"}
CRYPTO_FINDING_WORDS = ("cryptocurrency", "cryptominer", "bitcoin", "runtime/", "attacksequence")


def _trail(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.service != "cloudtrail" or not record.succeeded:
        return
    request, name = record.request, record.event_name
    trail = str(request.get("name") or request.get("trailName") or "")
    if name in ("StopLogging", "DeleteTrail"):
        yield TRAIL.finding(record, {"trail": trail, "change": name}, subject=trail)
    elif name == "UpdateTrail":
        narrowed = [
            k
            for k in ("isMultiRegionTrail", "includeGlobalServiceEvents", "isOrganizationTrail")
            if request.get(k) is False
        ]
        if narrowed:
            yield TRAIL.finding(record, {"trail": trail, "turned_off": narrowed}, subject=trail)
    elif name == "PutEventSelectors":
        if _drops_management_events(request):
            yield TRAIL.finding(record, {"trail": trail, "change": "management events no longer logged"}, subject=trail)
    elif name == "PutInsightSelectors" and not as_list(request.get("insightSelectors")):
        yield TRAIL.finding(record, {"trail": trail, "change": "Insights cleared"}, Severity.MEDIUM, subject=trail)


def _drops_management_events(request: dict) -> bool:
    basic = [as_dict(s) for s in as_list(request.get("eventSelectors"))]
    advanced = [as_dict(s) for s in as_list(request.get("advancedEventSelectors"))]
    if basic:
        kept = [
            s
            for s in basic
            if s.get("includeManagementEvents", True) is not False
            and s.get("readWriteType", "All") in ("All", "WriteOnly")
            and not as_list(s.get("excludeManagementEventSources"))
        ]
        return not kept
    if advanced:
        categories = {
            str(value)
            for s in advanced
            for f in as_list(s.get("fieldSelectors"))
            if as_dict(f).get("field") == "eventCategory"
            for value in as_list(as_dict(f).get("equals"))
        }
        return "Management" not in categories
    return False


def _guardduty(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.service != "guardduty" or record.finding is not None or not record.succeeded:
        return
    request, name = record.request, record.event_name
    detector = str(request.get("detectorId", ""))
    details = {"detector": detector, "change": name}
    if name in ("DeleteDetector", "DisassociateFromAdministratorAccount", "DisassociateFromMasterAccount"):
        yield GUARDDUTY.finding(record, details, subject=detector)
    elif name == "UpdateDetector":
        disabled = [
            str(as_dict(f).get("name"))
            for f in as_list(request.get("features"))
            if str(as_dict(f).get("status", "")).upper() == "DISABLED"
        ]
        if request.get("enable") is False or disabled:
            yield GUARDDUTY.finding(record, {**details, "disabled": disabled or ["detector"]}, subject=detector)
    elif name in ("CreateFilter", "UpdateFilter") and str(request.get("action", "")).upper() == "ARCHIVE":
        criteria = str(request.get("findingCriteria", "")).lower()
        crypto = any(word in criteria for word in CRYPTO_FINDING_WORDS)
        yield GUARDDUTY.finding(
            record,
            {**details, "filter": request.get("name"), "archives_crypto_findings": crypto},
            None if crypto else Severity.MEDIUM,
            subject=detector,
        )
    elif name in ("CreateIPSet", "UpdateIPSet", "CreateThreatIntelSet", "UpdateThreatIntelSet", "DeleteThreatIntelSet"):
        yield GUARDDUTY.finding(record, {**details, "list": request.get("name")}, Severity.MEDIUM, subject=detector)


def _event_rules(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.service != "events" or not record.succeeded or ctx.administrator(record):
        return
    name = str(record.request.get("name") or record.request.get("rule") or "")
    if not name.startswith(ctx.settings.protected_rule_prefix):
        return
    details = {"rule": name, "change": record.event_name}
    if record.event_name in ("DisableRule", "DeleteRule", "RemoveTargets"):
        yield EVENT_RULES.finding(record, details, subject=name)
    elif record.event_name == "PutRule":
        disabled = str(record.request.get("state", "")).upper() == "DISABLED"
        yield EVENT_RULES.finding(record, details, None if disabled else Severity.MEDIUM, subject=name)


def _organization(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.succeeded and record.service == "organizations" and record.event_name == "LeaveOrganization":
        yield ORGANIZATION.finding(record, {})
    if record.succeeded and record.service == "account" and record.event_name == "EnableRegion":
        region = str(record.request.get("RegionName") or record.request.get("regionName") or "")
        allowed = ctx.settings.allowed_regions
        outside = bool(allowed) and region not in allowed
        yield NEW_REGION.finding(
            record, {"enabled_region": region, "allowed": not outside}, Severity.HIGH if outside else None, region
        )


def _protection_tags(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.event_name not in TAG_EVENTS or not record.succeeded or ctx.administrator(record):
        return
    keys = {key.lower(): key for key in ctx.settings.protection_tag_keys}
    found = set()
    for k, v in walk(record.request):  # walk lowercases keys
        if k == "key" and v in ctx.settings.protection_tag_keys:  # [{"key": ..., "value": ...}] lists
            found.add(v)
        elif k in keys:  # {"<key>": "<value>"} maps
            found.add(keys[k])
    if found:
        yield PROTECTION_TAG.finding(record, {"tag_keys": sorted(found), "api": record.event_name})


def _quarantine(record: Record, ctx: Context) -> Iterator[Finding]:
    """Not skipped for AWS callers: AWS itself attaches the policy."""
    if record.event_name != "AttachUserPolicy" or not record.succeeded:
        return
    policy = str(record.request.get("policyArn", ""))
    if policy.startswith(QUARANTINE_POLICY):
        user = str(record.request.get("userName", ""))
        yield QUARANTINE.finding(record, {"user": user, "policy": policy}, subject=user)


CHECKS = (_trail, _guardduty, _event_rules, _organization, _protection_tags, _quarantine)
