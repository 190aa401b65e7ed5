"""The SCP templates of modules/preventive, rendered as Terraform's templatefile renders them and judged by their
statements: valid JSON, within the 5,120-character limit, real condition keys, and the requests the seed
campaigns make are denied while ordinary ones are not."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "modules" / "preventive" / "policies"
SCP_LIMIT = 5120
KNOWN_CONDITION_KEYS = {
    "aws:RequestedRegion",
    "aws:PrincipalARN",
    "aws:PrincipalAccount",
    "lambda:FunctionUrlAuthType",
    "ec2:InstanceType",
    "aws:TagKeys",
    "autoscaling:MaxSize",
}
SEVENTEEN = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
]
DEFAULTS = {
    "deny_unused_regions": {
        "allowed_regions": ["ap-northeast-1", "us-east-1"],
        "exempt_principal_arns": ["arn:aws:iam::*:role/OrganizationAccountAccessRole"],
    },
    "deny_public_lambda_urls": {},
    "deny_accelerated_instances": {
        "instance_type_patterns": ["p*", "g*", "inf*", "trn*", "dl*", "vt*", "f1*", "f2*"],
        "exempt_account_ids": [],
    },
    "deny_iam_users": {"break_glass_principal_arns": ["arn:aws:iam::*:role/BreakGlass"]},
    "deny_protection_tags": {
        "tag_keys": ["cryptoguard:allow", "cryptoguard:alarms"],
        "exempt_principal_arns": ["arn:aws:iam::*:role/platform-admin"],
    },
}


KILL_SWITCH = ROOT / "modules" / "spend_kill_switch" / "policies"
BREAK_GLASS = "arn:aws:iam::*:role/OrganizationAccountAccessRole"


def render(name: str, values: dict, directory: Path = POLICIES) -> dict:
    """templatefile() for the two directives the templates use: ${jsonencode(x)} and %{ if length(x) > 0 }."""
    text = (directory / f"{name}.json.tftpl").read_text()
    text = re.sub(
        r"%\{ if length\((\w+)\) > 0 \}(.*?)%\{ endif \}",
        lambda m: m.group(2) if values[m.group(1)] else "",
        text,
        flags=re.DOTALL,
    )
    text = re.sub(r"\$\{jsonencode\((\w+)\)\}", lambda m: json.dumps(values[m.group(1)]), text)
    assert "${" not in text and "%{" not in text, f"{name}: a directive the tests cannot render"
    return json.loads(text)


def denied(policy: dict, action: str, context: dict, resource: str = "*") -> bool:
    """Does any Deny statement of the policy match this request? (The IAM semantics these policies use.)"""

    def like(pattern: str, value: str) -> bool:
        return fnmatch.fnmatchcase(value.lower(), pattern.lower())

    def condition(operator: str, key: str, wanted: list | str) -> bool:
        wanted = wanted if isinstance(wanted, list) else [wanted]
        value = context.get(key)
        if operator.startswith("ForAnyValue:"):  # a multivalued key: any of the request's values matches
            return any(_single(operator.split(":", 1)[1], v, wanted) for v in value or [])
        if operator == "Null":  # "true": the key is absent from the request
            return (value is None) == (wanted[0] == "true")
        positive = operator.replace("Not", "")
        if value is None:
            return operator != positive  # negated operators match when the key is absent
        return _single(operator, value, wanted)

    def _single(operator: str, value: str, wanted: list) -> bool:
        if operator == "NumericGreaterThan":
            return any(float(value) > float(w) for w in wanted)
        positive = operator.replace("Not", "")
        hit = any(value == w if positive == "StringEquals" else like(w, value) for w in wanted)
        return hit if operator == positive else not hit

    for statement in policy["Statement"]:
        if statement["Effect"] != "Deny":
            continue
        if "Action" in statement and not any(like(a, action) for a in statement["Action"]):
            continue
        if "NotAction" in statement and any(like(a, action) for a in statement["NotAction"]):
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if not any(like(r, resource) for r in resources):
            continue
        if all(
            condition(op, key, wanted)
            for op, pairs in statement.get("Condition", {}).items()
            for key, wanted in pairs.items()
        ):
            return True
    return False


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_policies_are_valid_and_within_the_scp_limit(name):
    values = dict(DEFAULTS[name])
    if name == "deny_unused_regions":
        values["allowed_regions"] = SEVENTEEN  # the worst case: every region listed
    policy = render(name, values)
    assert policy["Version"] == "2012-10-17"
    assert len(json.dumps(policy, separators=(",", ":"))) <= SCP_LIMIT
    keys = {k for s in policy["Statement"] for pairs in s.get("Condition", {}).values() for k in pairs}
    assert keys <= KNOWN_CONDITION_KEYS, keys - KNOWN_CONDITION_KEYS


def test_every_template_is_used_by_the_module_with_the_variables_it_needs():
    main = (ROOT / "modules" / "preventive" / "main.tf").read_text()
    assert 'templatefile("${path.module}/policies/${each.key}.json.tftpl", each.value)' in main
    for name, values in DEFAULTS.items():
        text = (POLICIES / f"{name}.json.tftpl").read_text()
        assert set(re.findall(r"\((\w+)\)", text)) - {"length"} == set(values), name
        assert re.search(rf"\n    {name} = ", main), f"{name} has no template variables in main.tf"


def test_unused_region_calls_are_denied_but_global_services_and_exempt_roles_pass():
    policy = render("deny_unused_regions", DEFAULTS["deny_unused_regions"])
    user = "arn:aws:iam::111122223333:user/ci-deploy"
    assert denied(policy, "ec2:RunInstances", {"aws:RequestedRegion": "sa-east-1", "aws:PrincipalARN": user})
    assert not denied(policy, "ec2:RunInstances", {"aws:RequestedRegion": "ap-northeast-1", "aws:PrincipalARN": user})
    assert not denied(policy, "iam:CreateRole", {"aws:RequestedRegion": "us-west-2", "aws:PrincipalARN": user})
    admin = "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
    assert not denied(
        policy, "guardduty:CreateDetector", {"aws:RequestedRegion": "sa-east-1", "aws:PrincipalARN": admin}
    )


def test_public_function_urls_are_denied_iam_auth_is_not():
    policy = render("deny_public_lambda_urls", {})
    assert denied(policy, "lambda:CreateFunctionUrlConfig", {"lambda:FunctionUrlAuthType": "NONE"})
    assert denied(policy, "lambda:UpdateFunctionUrlConfig", {"lambda:FunctionUrlAuthType": "NONE"})
    assert not denied(policy, "lambda:CreateFunctionUrlConfig", {"lambda:FunctionUrlAuthType": "AWS_IAM"})


@pytest.mark.parametrize(
    "instance_type,blocked",
    [
        ("p3.16xlarge", True),
        ("g4dn.xlarge", True),
        ("inf1.xlarge", True),
        ("trn1.2xlarge", True),
        ("m5.large", False),
        ("c5.4xlarge", False),
        ("t2.micro", False),
    ],
)
def test_accelerated_launches_are_denied(instance_type, blocked):
    policy = render("deny_accelerated_instances", DEFAULTS["deny_accelerated_instances"])
    context = {"ec2:InstanceType": instance_type, "aws:PrincipalAccount": "111122223333"}
    assert denied(policy, "ec2:RunInstances", context, "arn:aws:ec2:us-east-1:111122223333:instance/*") is blocked


def test_accelerated_launches_in_exempt_accounts_pass():
    values = {**DEFAULTS["deny_accelerated_instances"], "exempt_account_ids": ["444455556666"]}
    policy = render("deny_accelerated_instances", values)
    resource = "arn:aws:ec2:us-east-1:444455556666:instance/*"
    assert not denied(
        policy,
        "ec2:RunInstances",
        {"ec2:InstanceType": "p4d.24xlarge", "aws:PrincipalAccount": "444455556666"},
        resource,
    )
    assert denied(
        policy,
        "ec2:RunInstances",
        {"ec2:InstanceType": "p4d.24xlarge", "aws:PrincipalAccount": "111122223333"},
        resource,
    )


def test_new_iam_users_and_keys_only_by_break_glass():
    policy = render("deny_iam_users", DEFAULTS["deny_iam_users"])
    attacker = {"aws:PrincipalARN": "arn:aws:iam::111122223333:user/ci-deploy"}
    assert denied(policy, "iam:CreateUser", attacker) and denied(policy, "iam:CreateAccessKey", attacker)
    assert not denied(policy, "iam:CreateUser", {"aws:PrincipalARN": "arn:aws:iam::111122223333:role/BreakGlass"})
    assert not denied(policy, "iam:CreateRole", attacker)


def test_protection_tags_are_set_only_by_the_named_roles():
    policy = render("deny_protection_tags", DEFAULTS["deny_protection_tags"])
    attacker = {"aws:PrincipalARN": "arn:aws:iam::111122223333:user/ci-deploy"}
    # Tagging its own fleet cryptoguard:allow at launch or afterwards would switch the responder off.
    assert denied(policy, "ec2:CreateTags", {**attacker, "aws:TagKeys": ["Name", "cryptoguard:allow"]})
    assert denied(policy, "autoscaling:CreateOrUpdateTags", {**attacker, "aws:TagKeys": ["cryptoguard:alarms"]})
    assert denied(policy, "ec2:DeleteTags", {**attacker, "aws:TagKeys": ["cryptoguard:allow"]})
    assert not denied(policy, "ec2:CreateTags", {**attacker, "aws:TagKeys": ["Name", "team"]})
    admin = {"aws:PrincipalARN": "arn:aws:iam::111122223333:role/platform-admin"}
    assert not denied(policy, "ec2:CreateTags", {**admin, "aws:TagKeys": ["cryptoguard:allow"]})


def test_the_spend_kill_switch_is_valid_and_within_the_scp_limit():
    policy = render("deny_new_compute", {"exempt_principal_arns": [BREAK_GLASS]}, KILL_SWITCH)
    assert len(json.dumps(policy, separators=(",", ":"))) <= SCP_LIMIT
    keys = {k for s in policy["Statement"] for pairs in s.get("Condition", {}).values() for k in pairs}
    assert keys <= KNOWN_CONDITION_KEYS, keys - KNOWN_CONDITION_KEYS


@pytest.mark.parametrize(
    "action,context,blocked",
    [
        ("ec2:RunInstances", {}, True),
        ("ec2:CreateFleet", {}, True),
        ("ec2:RequestSpotFleet", {}, True),
        ("ecs:RunTask", {}, True),
        ("ecs:RegisterTaskDefinition", {}, True),
        ("sagemaker:CreateTrainingJob", {}, True),
        ("autoscaling:CreateAutoScalingGroup", {"autoscaling:MaxSize": "999"}, True),  # seed 000's group
        ("autoscaling:UpdateAutoScalingGroup", {"autoscaling:MaxSize": "50"}, True),
        ("autoscaling:UpdateAutoScalingGroup", {}, True),  # desired capacity alone could still raise it
        ("autoscaling:UpdateAutoScalingGroup", {"autoscaling:MaxSize": "0"}, False),  # emptying a group
        ("ec2:StopInstances", {}, False),
        ("ec2:TerminateInstances", {}, False),
        ("ecs:UpdateService", {}, False),  # scaling a service down is how it is contained
        ("iam:UpdateAccessKey", {}, False),
    ],
)
def test_the_spend_kill_switch_denies_new_compute_and_leaves_containment(action, context, blocked):
    policy = render("deny_new_compute", {"exempt_principal_arns": [BREAK_GLASS]}, KILL_SWITCH)
    attacker = {"aws:PrincipalARN": "arn:aws:iam::111122223333:user/ci-deploy", **context}
    assert denied(policy, action, attacker) is blocked
    break_glass = {**context, "aws:PrincipalARN": "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"}
    assert not denied(policy, action, break_glass)
