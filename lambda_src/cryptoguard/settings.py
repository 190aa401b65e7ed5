"""Every threshold and list the rules use. Never constants in code: the Lambda reads them from the
CRYPTOGUARD_SETTINGS environment variable (JSON that Terraform writes from the module's variables), the
CLI from a JSON config file and flags. Field names are the same in all three places."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from typing import Any


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
    max_asg_size: int = 100
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
    guardduty_severity_threshold: float = 7.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"setting {f.name} must not be negative, got {value}")

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    @classmethod
    def from_env(cls, variable: str = "CRYPTOGUARD_SETTINGS") -> Settings:
        raw = os.environ.get(variable, "").strip()
        return cls.from_mapping(json.loads(raw)) if raw else cls()

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
