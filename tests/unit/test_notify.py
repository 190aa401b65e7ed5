"""What subscribers receive: SNS subjects within SNS's rules whatever the alert holds, AWS Chatbot's custom
notification format for chat, readable text for email and the alert JSON for queues."""

from __future__ import annotations

import json

from cryptoguard.drill import scenarios as sc
from cryptoguard.notify import chatbot_message, publish, sns_subject
from cryptoguard.pipeline import process
from cryptoguard.rules import Context
from cryptoguard.settings import Settings


def _alert():
    clock = sc.Clock("2025-01-01T00:00:00Z")
    events = [sc._run_instances(clock, "sa-east-1", sc.STOLEN_USER, 1, "p3.16xlarge") for _ in range(3)]
    sent = []
    process(
        [{"messageId": str(i), "body": json.dumps(e)} for i, e in enumerate(events)],
        Context(Settings(allowed_regions=sc.ALLOWED_REGIONS)),
        sent.append,
    )
    return next(a for a in sent if a.rule_id == "CG-LAUNCH-002")


def test_subjects_follow_sns_rules_whatever_the_alert_holds():
    hostile = "[HIGH] New user\nSubject: fake\r\x07 by arn:aws:iam::1:user/" + "é" * 50 + "x" * 200
    subject = sns_subject(hostile)
    assert len(subject) < 100 and subject.isascii() and subject.isprintable() and subject[0] == "["
    assert "\n" not in subject and "\r" not in subject and subject.endswith("...")
    assert sns_subject("\n\t ") == "Cryptoguard alert"


def test_chat_gets_chatbots_custom_format_with_a_console_link():
    message = chatbot_message(_alert())
    assert message["version"] == "1.0" and message["source"] == "custom"
    content = message["content"]
    assert (
        content["title"].startswith(":red_circle: [HIGH] ~$52,877 / 30 days: GPU")
        and "p3.16xlarge" in content["description"]
    )
    assert "Money at risk: ~$52,877 / 30 days ($73.44/h) for 3 x p3.16xlarge in sa-east-1" in content["description"]
    assert "RunInstances" in content["description"] and "console.aws.amazon.com/cloudtrail" in content["description"]
    assert content["keywords"][:2] == ["CG-LAUNCH-002", "HIGH"] and content["nextSteps"]


class _Sns:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def publish(self, **kwargs):
        self.calls.append(kwargs)
        return {"MessageId": "m"}


def test_each_protocol_gets_its_own_form():
    sns, alert = _Sns(), _alert()
    publish(sns, "arn:aws:sns:us-east-1:1:t", alert)
    (call,) = sns.calls
    assert call["MessageStructure"] == "json" and call["Subject"] == sns_subject(alert.subject)
    forms = json.loads(call["Message"])
    assert json.loads(forms["default"])["source"] == "custom" and forms["https"] == forms["default"]
    assert json.loads(forms["sqs"])["rule_id"] == "CG-LAUNCH-002" and forms["lambda"] == forms["sqs"]
    assert forms["email"].startswith(alert.subject) and "Open in CloudTrail" in forms["email"]
