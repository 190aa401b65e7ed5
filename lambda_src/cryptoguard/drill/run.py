"""`cryptoguard drill`: watch the defences catch the seed campaigns.

--target local (default): start the emulators (or use running ones), install the pipeline from the same
patterns Terraform deploys, replay every scenario step by step, and print the detection matrix. Exits 1 if
any attack step is missed or any benign scenario raises a HIGH or CRITICAL alert.

--target aws: a safe detonation after `terraform apply`: a DryRun RunInstances of a GPU instance in a region
outside allowed_regions (creates nothing, costs nothing), then waits for the alert on the deployed topic
through a temporary SQS subscription that it removes afterwards."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptoguard.drill import scenarios as sc
from cryptoguard.settings import Settings

HIGH = ("HIGH", "CRITICAL")


@dataclass
class Row:
    scenario: str
    step: str
    seed_ref: str
    expected: tuple[str, ...]
    detected: set[str] = field(default_factory=set)
    alerted: set[str] = field(default_factory=set)  # rules with an alert delivered up to this step
    new_alerts: int = 0
    seconds: float = 0.0
    malicious: bool = True
    loud: list[str] = field(default_factory=list)  # HIGH+ alerts raised by a benign step

    @property
    def ok(self) -> bool:
        if not self.malicious:
            return not self.loud
        return set(self.expected) <= self.detected and set(self.expected) <= self.alerted


def _mark(flag: bool) -> str:
    return "yes" if flag else "NO"


def matrix_markdown(rows: list[Row], header: str) -> str:
    lines = [
        f"# Drill report\n\n{header}\n",
        "| scenario | step | seed | expected rules | detected | alert delivered | new alerts | time to alert (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.malicious:
            expected = ", ".join(r.expected) or "-"
            detected = _mark(set(r.expected) <= r.detected) if r.expected else "-"
            alerted = _mark(set(r.expected) <= r.alerted) if r.expected else "-"
        else:
            expected, detected, alerted = (
                "nothing HIGH+",
                "-",
                ("quiet" if not r.loud else "LOUD: " + ", ".join(r.loud)),
            )
        lines.append(
            f"| {r.scenario} | {r.step} | {r.seed_ref} | {expected} | {detected} | {alerted} | "
            f"{r.new_alerts} | {r.seconds:.1f} |"
        )
    missed = [r for r in rows if not r.ok]
    lines.append("")
    lines.append(
        f"**{len(rows) - len(missed)} of {len(rows)} steps as expected.**"
        if missed
        else f"**All {len(rows)} steps as expected.**"
    )
    for r in missed:
        lines.append(
            f"- missed: {r.scenario} / {r.step}: expected {sorted(r.expected)}, detected "
            f"{sorted(r.detected)}, alerted {sorted(r.alerted)}{', loud ' + str(r.loud) if r.loud else ''}"
        )
    return "\n".join(lines) + "\n"


def run_local(settings: Settings, names: list[str] | None = None, out: Any = sys.stdout) -> list[Row]:
    from cryptoguard.drill import emulators
    from cryptoguard.drill.local import LocalPipeline

    chosen = [s for s in sc.all_scenarios() if not names or s.name in names]
    if names and len(chosen) != len(set(names)):
        known = ", ".join(s.name for s in sc.all_scenarios())
        raise SystemExit(f"cryptoguard drill: unknown scenario in {names}; known: {known}")
    regions = {e["region"] for s in chosen for e in s.events()}
    print("Starting LocalStack and moto (or using running ones)...", file=out, flush=True)
    emu = emulators.start()
    emu.apply_env()
    rows: list[Row] = []
    try:
        print(
            f"  LocalStack {emu.versions.get('localstack', '?')} at {emu.localstack_url}, "
            f"moto {emu.versions.get('moto', '?')} at {emu.moto_url}",
            file=out,
            flush=True,
        )
        for scenario in chosen:
            pipeline = LocalPipeline(emu, settings, regions=regions)
            pipeline.install()  # a fresh pipeline a scenario: scenarios do not share windows or incidents
            print(f"\n== {scenario.name}: {scenario.title} (seed {scenario.seed})", file=out, flush=True)
            alerted: set[str] = set()
            for step in scenario.steps:
                delivery = pipeline.run(step.events, scenario.hidden_user_data())
                new = {a["rule_id"] for a in delivery.alerts}
                alerted |= new
                row = Row(
                    scenario.name,
                    step.name,
                    step.seed_ref,
                    step.expect,
                    {f["rule_id"] for f in delivery.findings},
                    set(alerted),
                    len(delivery.alerts),
                    delivery.seconds,
                    scenario.malicious,
                    sorted({f"{a['rule_id']} {a['severity']}" for a in delivery.alerts if a["severity"] in HIGH}),
                )
                expected_deliveries = sum(pipeline.delivers(e) for e in step.events)
                if delivery.events_delivered < expected_deliveries:
                    row.detected.add(f"(only {delivery.events_delivered}/{expected_deliveries} events delivered)")
                rows.append(row)
                status = "ok  " if row.ok else "MISS"
                print(
                    f"  [{status}] {step.name:<62} {delivery.seconds:5.1f}s  "
                    f"{', '.join(sorted(new)) or ('(incident already alerted)' if row.detected else '-')}",
                    file=out,
                    flush=True,
                )
    finally:
        emu.stop()
    return rows


def run_aws(args: argparse.Namespace, settings: Settings) -> int:
    """The safe detonation against a deployed stack. Needs credentials for a member account and the topic."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from cryptoguard.canary import INSTANCE_TYPE, detonate

    if not args.topic_arn:
        print(
            "drill --target aws needs --topic-arn: the notifications topic of the deployed stack "
            "(terraform output notifications_topic_arn).",
            file=sys.stderr,
        )
        return 2
    region = args.region or next(
        (r for r in ("sa-east-1", "ap-south-1", "eu-north-1", "ca-central-1") if r not in settings.allowed_regions),
        None,
    )
    if not settings.allowed_regions or region in settings.allowed_regions:
        print("drill --target aws needs --allowed-regions (as deployed) and a --region outside them.", file=sys.stderr)
        return 2
    try:
        identity = boto3.client("sts").get_caller_identity()
    except (NoCredentialsError, BotoCoreError, ClientError) as exc:
        print(
            f"drill --target aws: no usable AWS credentials ({exc}). Set AWS_PROFILE or keys for an account "
            "of the organisation.",
            file=sys.stderr,
        )
        return 2
    print(
        f"This will call RunInstances with DryRun=true for a {INSTANCE_TYPE} in {region} as {identity['Arn']} "
        f"(creates nothing, costs nothing), and subscribe a temporary SQS queue to {args.topic_arn}."
    )
    if not args.yes:
        answer = input("Proceed? [y/N] ") if sys.stdin.isatty() else ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Not confirmed: nothing done. Pass --yes to skip this question.", file=sys.stderr)
            return 2
    topic_region = args.topic_arn.split(":")[3]
    sqs, sns = boto3.client("sqs", region_name=topic_region), boto3.client("sns", region_name=topic_region)
    name = f"cryptoguard-drill-{int(time.time())}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue_arn,
                            "Condition": {"ArnEquals": {"aws:SourceArn": args.topic_arn}},
                        }
                    ],
                }
            )
        },
    )
    subscription = sns.subscribe(
        TopicArn=args.topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    try:
        started = time.monotonic()
        detonate(boto3.client("ec2", region_name=region))
        print(f"DryRun sent at {datetime.now(UTC):%H:%M:%S}Z; waiting up to {args.timeout:.0f}s for the alert...")
        while time.monotonic() - started < args.timeout:
            for m in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=20).get("Messages", []):
                alert = json.loads(json.loads(m["Body"])["Message"])
                if alert.get("region") == region and alert.get("principal") == identity["Arn"]:
                    print(
                        f"Alert received after {time.monotonic() - started:.0f}s: {alert['rule_id']} "
                        f"{alert['severity']} {alert['title']}"
                    )
                    return 0
        print(
            f"No alert within {args.timeout:.0f}s. Check that the trail logs management events, the region watch "
            f"covers {region}, and the detection function's logs.",
            file=sys.stderr,
        )
        return 1
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=queue_url)


def main(args: argparse.Namespace, settings: Settings) -> int:
    if args.target == "aws":
        return run_aws(args, settings)
    if not settings.allowed_regions:
        settings = Settings.from_mapping({**settings.as_dict(), "allowed_regions": list(sc.ALLOWED_REGIONS)})
    started = time.monotonic()
    rows = run_local(settings, args.scenario)
    header = (
        f"Replayed {len({r.scenario for r in rows})} scenarios ({sum(r.malicious for r in rows)} attack steps, "
        f"{sum(not r.malicious for r in rows)} benign steps) on LocalStack + moto in "
        f"{time.monotonic() - started:.0f}s; allowed regions: {', '.join(settings.allowed_regions)}."
    )
    report = matrix_markdown(rows, header)
    print("\n" + report)
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(report)
        print(f"Report written to {args.report}")
    return 0 if all(r.ok for r in rows) else 1
