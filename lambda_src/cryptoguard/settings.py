"""Every threshold and list the rules use. Never constants in code: the Lambda reads them from the
CRYPTOGUARD_SETTINGS environment variable (JSON that Terraform writes from the module's variables), the
CLI from a JSON config file and flags. Field names are the same in all three places."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from typing import Any


def coerce(name: str, kind: Any, value: Any) -> Any:
    """`value` as the setting's type, from JSON (Terraform, --config) or text (--set, environment): lists
    from JSON arrays or comma-separated text, whole numbers for counts, finite numbers for thresholds. A
    wrong type is an error that names the setting, never a silent guess."""
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    if kind.startswith("tuple"):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"setting {name} must be a list of text (JSON array or comma-separated), got {value!r}")
        return tuple(value)
    if kind in ("int", "float"):
        number = value
        if isinstance(value, str):
            try:
                number = float(value) if kind == "float" or "." in value else int(value)
            except ValueError:
                raise ValueError(f"setting {name} must be a number, got {value!r}") from None
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or number != number
            or number in (float("inf"), float("-inf"))
        ):
            raise ValueError(f"setting {name} must be a number, got {value!r}")
        if kind == "int" and number != int(number):
            raise ValueError(f"setting {name} must be a whole number, got {value!r}")
        if number < 0:
            raise ValueError(f"setting {name} must not be negative, got {value!r}")
        return int(number) if kind == "int" else float(number)
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"setting {name} must be text, got {value!r}")
        return value
    raise TypeError(f"setting {name}: no loader for type {kind}")


def coerce_fields(instance: Any) -> None:
    """Type every field of a frozen settings dataclass in place (its __post_init__ calls this)."""
    for f in fields(instance):
        object.__setattr__(instance, f.name, coerce(f.name, f.type, getattr(instance, f.name)))


def known_fields(cls: Any, data: Any, what: str) -> dict[str, Any]:
    """The mapping's entries, after checking it is one and names only fields of `cls`."""
    if not isinstance(data, dict):
        raise ValueError(f"{what} must be a JSON object of names and values, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return dict(data)


def json_from_env(variable: str) -> Any:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{variable} is not JSON: {exc}") from None


@dataclass(frozen=True)
class Settings:
    # Regions the organisation uses; write activity elsewhere is an alert. Empty: the region rule is off.
    allowed_regions: tuple[str, ...] = ()
    # Accelerated (GPU/ML) instance families, by prefix of the instance type, and those allowed anyway.
    accelerated_families: tuple[str, ...] = ("p", "g", "inf", "trn", "dl", "vt", "f", "gr")
    allowed_instance_families: tuple[str, ...] = ()
    # One call launching this many instances or more (any type: seed 004 used 500 x t2.micro).
    max_instances_per_call: int = 20
    # Instances launched by one principal within launch_window_minutes (in one region or many).
    max_instances_per_window: int = 50
    launch_window_minutes: int = 15
    # The same principal launching in this many regions within the launch window.
    multi_region_launch_threshold: int = 3
    # Auto Scaling group MaxSize (and EKS node group maxSize: node groups are Auto Scaling groups).
    max_asg_size: int = 100
    # Batch compute environments that may grow to this many vCPUs (seed 002's 999 GPU instances are ~4,000).
    max_batch_vcpus: int = 2048
    # Services' own names for GPU compute (glob patterns, any case): WorkSpaces compute types, CodeBuild
    # environment types, EKS AMI types. EC2 and SageMaker instance types go by accelerated_families instead.
    accelerated_compute_types: tuple[str, ...] = ("GRAPHICS*", "*G4DN*", "*G6*", "*GPU*", "*NVIDIA*", "*NEURON*")
    # CodeBuild compute types big enough to mine on (glob patterns).
    large_build_compute_types: tuple[str, ...] = ("BUILD_GENERAL1_2XLARGE",)
    task_cpu_threshold: int = 16384
    max_service_desired_count: int = 10
    cluster_burst_threshold: int = 5
    termination_protection_burst_threshold: int = 5
    quota_recon_burst_threshold: int = 3
    address_burst_threshold: int = 10
    volume_burst_threshold: int = 20
    burst_window_minutes: int = 10
    # CreateUser followed by keys/passwords/policies by the same principal within this window.
    iam_window_minutes: int = 60
    # Recon (DryRun, quota look-ups) then a launch by the same principal within this window.
    recon_chain_window_minutes: int = 60
    # Container registries that are trusted (prefixes of image names); empty: the rule is off.
    trusted_registries: tuple[str, ...] = ()
    known_bad_images: tuple[str, ...] = ("yenik65958/secret", "wawaitech/meson")
    # Principals (ARN glob patterns) whose activity never raises alerts, e.g. deployment roles.
    allowlisted_principals: tuple[str, ...] = ()
    # Principals (ARN glob patterns) that manage this project: they may change its EventBridge rules and set its
    # protection tags without a tampering alert. Everything else they do is still watched.
    administrator_principals: tuple[str, ...] = ()
    # The canary's principals (ARN glob patterns): its alerts are labelled, counted and kept from paging people.
    canary_principals: tuple[str, ...] = ()
    # Names of this project's EventBridge rules start with this (Terraform sets "<name>-").
    protected_rule_prefix: str = "cryptoguard-"
    # Tags that switch protection off for a resource: the responder's allow tag and the alarm opt-out.
    protection_tag_keys: tuple[str, ...] = ("cryptoguard:allow", "cryptoguard:alarms")
    guardduty_severity_threshold: float = 7.0

    def __post_init__(self) -> None:
        coerce_fields(self)
        if not 1 <= self.guardduty_severity_threshold <= 10:
            severity = self.guardduty_severity_threshold
            raise ValueError(f"setting guardduty_severity_threshold is a GuardDuty severity (1 to 10), got {severity}")

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Settings:
        return cls(**known_fields(cls, data, "settings"))

    @classmethod
    def from_env(cls, variable: str = "CRYPTOGUARD_SETTINGS") -> Settings:
        return cls.from_mapping(json_from_env(variable))

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
