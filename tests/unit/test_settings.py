"""One typed loader for every place settings come from: the Lambda's environment (JSON Terraform writes),
the CLI's --config file and its --set flags. Wrong names and wrong types fail with the setting's name."""

from __future__ import annotations

import argparse

import pytest

from cryptoguard.__main__ import _settings
from cryptoguard.respond.actions import ResponseSettings
from cryptoguard.settings import Settings


def cli(*assignments: str) -> Settings:
    return _settings(argparse.Namespace(config=None, allowed_regions=None, set=list(assignments)))


def test_a_single_arn_from_set_is_one_principal_not_its_characters():
    settings = cli("allowlisted_principals=arn:aws:iam::*:role/deploy")
    assert settings.allowlisted_principals == ("arn:aws:iam::*:role/deploy",)
    assert cli("allowed_regions=us-east-1,ap-northeast-1").allowed_regions == ("us-east-1", "ap-northeast-1")
    assert cli('trusted_registries=["a.dkr.ecr.", "b.dkr.ecr."]').trusted_registries == ("a.dkr.ecr.", "b.dkr.ecr.")


def test_numbers_are_typed_from_json_and_from_text():
    assert cli("max_asg_size=50").max_asg_size == 50
    assert Settings.from_mapping({"max_asg_size": "50", "guardduty_severity_threshold": "7.5"}).max_asg_size == 50
    assert Settings.from_mapping({"guardduty_severity_threshold": 8}).guardduty_severity_threshold == 8.0


@pytest.mark.parametrize(
    "data,message",
    [
        ({"max_asg_size": "ten"}, "setting max_asg_size must be a number"),
        ({"max_asg_size": 2.5}, "setting max_asg_size must be a whole number"),
        ({"max_asg_size": True}, "setting max_asg_size must be a number"),
        ({"max_asg_size": -1}, "setting max_asg_size must not be negative"),
        ({"guardduty_severity_threshold": "NaN"}, "setting guardduty_severity_threshold must be a number"),
        ({"guardduty_severity_threshold": 12}, "GuardDuty severity (1 to 10)"),
        ({"allowed_regions": [1, 2]}, "setting allowed_regions must be a list of text"),
        ({"allowed_regions": ""}, None),  # empty text: an empty list, the rule off
        ({"max_asg_sise": 5}, "unknown settings: max_asg_sise"),
    ],
)
def test_wrong_types_and_names_fail_naming_the_setting(data, message):
    if message is None:
        assert Settings.from_mapping(data).allowed_regions == ()
        return
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_mapping(data)


def test_the_cli_turns_bad_settings_into_a_clear_exit():
    with pytest.raises(SystemExit, match="bad settings: setting max_asg_size must be a number"):
        cli("max_asg_size=lots")


def test_the_lambda_environment_goes_through_the_same_loader(monkeypatch):
    monkeypatch.setenv("CRYPTOGUARD_SETTINGS", '{"allowlisted_principals": "arn:aws:iam::*:role/deploy"}')
    assert Settings.from_env().allowlisted_principals == ("arn:aws:iam::*:role/deploy",)
    monkeypatch.setenv("CRYPTOGUARD_SETTINGS", "[1, 2]")
    with pytest.raises(ValueError, match="settings must be a JSON object"):
        Settings.from_env()
    monkeypatch.setenv("RESPONSE_SETTINGS", '{"mode": "enforce", "allowlisted_principals": "arn:aws:iam::*:role/x"}')
    assert ResponseSettings.from_env().allowlisted_principals == ("arn:aws:iam::*:role/x",)
    monkeypatch.setenv("RESPONSE_SETTINGS", '{"mode": 1}')
    with pytest.raises(ValueError, match="setting mode must be text"):
        ResponseSettings.from_env()
