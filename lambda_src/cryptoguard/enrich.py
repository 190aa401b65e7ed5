"""User data that CloudTrail redacted, fetched back from the account it was launched in.

Real trails replace `userData` with `<sensitiveDataRemoved>` in RunInstances, CreateLaunchTemplate(Version),
ModifyInstanceAttribute and CreateLaunchConfiguration records, so the payload rule would never see a miner.
The enricher asks the member account (through a read-only role that modules/enrichment_role creates) for what
the record hid, and hands the rules a copy of the record with the user data filled in. Rules stay pure: this
is the only module here that calls AWS for detection, and the pipeline and `hunt --enrich` call it at the edge.

Bounded: each (account, region, resource) is fetched once (an LRU cache), each invocation or hunt has a budget
of fetches and a deadline, every call has short timeouts and few retries, and an account whose role cannot be
assumed is reported once and then skipped."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from cryptoguard.indicators import REDACTED, redacted
from cryptoguard.records import Record, as_dict, as_list
from cryptoguard.sessions import assumed, own_account

log = logging.getLogger("cryptoguard")
# A client for (service, account, region); raises when the account's role cannot be assumed.
ClientFactory = Callable[[str, str, str], Any]


@dataclasses.dataclass
class UserDataEnricher:
    clients: ClientFactory
    max_fetches: int = 50  # per invocation (the pipeline makes one enricher per batch) or per hunt
    deadline_seconds: float = 20.0
    cache_size: int = 2048
    fetched: int = 0
    missing_accounts: set[str] = dataclasses.field(default_factory=set)
    _cache: OrderedDict = dataclasses.field(default_factory=OrderedDict)
    _started: float = dataclasses.field(default_factory=time.monotonic)

    def __call__(self, record: Record) -> Record:
        if not redacted(record) or record.account in self.missing_accounts:
            return record
        key = (record.account, record.region, self._resource(record))
        if key[2] is None:
            return record
        if key in self._cache:
            self._cache.move_to_end(key)
            user_data = self._cache[key]
        else:
            if self.fetched >= self.max_fetches or time.monotonic() - self._started > self.deadline_seconds:
                return record  # over budget: the record is evaluated as CloudTrail wrote it
            self.fetched += 1
            user_data = self._fetch(record, key[2])
            self._cache[key] = user_data
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        if not user_data:
            return record
        return dataclasses.replace(record, request=_filled(record.request, user_data))

    @staticmethod
    def _resource(record: Record) -> tuple[str, str] | None:
        """What to ask for: ("instance", id), ("template", "id:version") or ("configuration", name)."""
        request, response = record.request, record.response
        name = record.event_name
        if name == "RunInstances":
            items = as_list(as_dict(response.get("instancesSet")).get("items"))
            ids = [str(as_dict(i).get("instanceId")) for i in items if as_dict(i).get("instanceId")]
            return ("instance", ids[0]) if ids else None
        if name == "ModifyInstanceAttribute":
            instance = request.get("instanceId")
            return ("instance", str(instance)) if instance else None
        if name in ("CreateLaunchTemplate", "CreateLaunchTemplateVersion"):
            body = as_dict(response.get(f"{name}Response"))
            template = as_dict(body.get("launchTemplate") or body.get("launchTemplateVersion") or response)
            template_id = template.get("launchTemplateId")
            version = template.get("versionNumber") or template.get("latestVersionNumber") or "$Latest"
            return ("template", f"{template_id}:{version}") if template_id else None
        configuration = request.get("launchConfigurationName")
        return ("configuration", str(configuration)) if configuration else None

    def _fetch(self, record: Record, resource: tuple[str, str]) -> str:
        kind, ident = resource
        try:
            if kind == "configuration":
                autoscaling = self.clients("autoscaling", record.account, record.region)
                found = autoscaling.describe_launch_configurations(LaunchConfigurationNames=[ident])
                return str(next(iter(found.get("LaunchConfigurations", [])), {}).get("UserData", ""))
            ec2 = self.clients("ec2", record.account, record.region)
            if kind == "instance":
                answer = ec2.describe_instance_attribute(InstanceId=ident, Attribute="userData")
                return str(as_dict(answer.get("UserData")).get("Value", ""))
            template_id, version = ident.split(":", 1)
            answer = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=[version])
            versions = answer.get("LaunchTemplateVersions", [])
            return str(as_dict(versions[0].get("LaunchTemplateData")).get("UserData", "")) if versions else ""
        except RoleUnavailable as exc:
            self.missing_accounts.add(record.account)
            log.warning(
                json.dumps(
                    {"message": "user data enrichment unavailable", "account": record.account, "reason": str(exc)}
                )
            )
        except Exception as exc:  # a vanished instance, a throttle: the record is evaluated as written
            log.info(json.dumps({"message": "user data not fetched", "resource": ident, "reason": str(exc)[:300]}))
        return ""


class RoleUnavailable(RuntimeError):
    """The member account has no enrichment role, or it cannot be assumed: reported once per account."""


def _filled(request: dict, user_data: str) -> dict:
    """A copy of the request with every redacted user data value (a string, or ModifyInstanceAttribute's
    {"value": ...} block) replaced by the fetched, base64-encoded one."""

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: user_data if str(k).lower() == "userdata" and REDACTED in json.dumps(v) else fill(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return fill(request)


def member_clients(role_name: str) -> ClientFactory:
    """Clients in the record's account: the function's own credentials there, `role_name` elsewhere."""
    sessions: dict[str, Any] = {}
    config = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 3, "mode": "adaptive"})

    def client(service: str, account: str, region: str) -> Any:
        if account not in sessions:
            if "own" not in sessions:
                sessions["own"] = own_account()
            if account == sessions["own"]:
                sessions[account] = boto3.Session()
            else:
                try:
                    sessions[account] = assumed(f"arn:aws:iam::{account}:role/{role_name}", "cryptoguard-enrich")
                except ClientError as exc:
                    raise RoleUnavailable(f"cannot assume {role_name} in {account}: {exc}") from None
        return sessions[account].client(service, region_name=region, config=config)

    return client
