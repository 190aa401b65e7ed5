"""GuardDuty coverage gaps: what the scheduled audit (coverage.py, handlers/coverage.py) reports. They are not
checks of a record, so this family has rules for the catalogue and no checks."""

from __future__ import annotations

from cryptoguard.rules.base import Rule, Severity

NO_DETECTOR = Rule(
    "CG-COVERAGE-001",
    "GuardDuty: no detector",
    Severity.HIGH,
    "000",
    "T1562.001",
    "A region of the delegated administrator has no detector, or an account of the organisation is not an "
    "enabled member there: nothing is watched in it (the unused regions campaigns go to).",
)
RUNTIME_OFF = Rule(
    "CG-COVERAGE-002",
    "GuardDuty: Runtime Monitoring off",
    Severity.HIGH,
    "002",
    "T1562.001",
    "Runtime Monitoring, which sees miners run on EC2, ECS and EKS, is off for an account in a region, or its "
    "agent management for EC2, ECS Fargate or EKS is off.",
)
AGENTS_MISSING = Rule(
    "CG-COVERAGE-003",
    "GuardDuty: runtime agents unhealthy or missing",
    Severity.MEDIUM,
    "002",
    "T1562.001",
    "EC2 instances, ECS clusters or EKS clusters whose runtime coverage is UNHEALTHY (agent missing, not "
    "reporting, or misconfigured), counted per account, region and resource type.",
)
UNREADABLE = Rule(
    "CG-COVERAGE-004",
    "GuardDuty: coverage could not be read",
    Severity.MEDIUM,
    "000",
    "T1562.001",
    "The audit could not read a region's detectors or coverage (access denied, throttled, region disabled): its "
    "coverage is unknown, not fine.",
)
RULES = (NO_DETECTOR, RUNTIME_OFF, AGENTS_MISSING, UNREADABLE)
CHECKS = ()
