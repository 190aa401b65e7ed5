"""cryptoguard: hunt CloudTrail archives, drill the defences, run the emulators, list the rules.

python -m cryptoguard hunt PATH [PATH...]   findings as JSON lines on stdout, summary on stderr
python -m cryptoguard drill                 replay the seed campaigns on the local emulators (or --target aws)
python -m cryptoguard emulators             start LocalStack and moto for manual use
python -m cryptoguard rules                 the rule catalogue (markdown or json)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cryptoguard.rules import RULES, Context, Severity
from cryptoguard.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    data: dict[str, Any] = {}
    if args.config:
        try:
            data = json.loads(Path(args.config).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SystemExit(f"cryptoguard: cannot read config {args.config}: {exc}") from None
        if not isinstance(data, dict):
            raise SystemExit(f"cryptoguard: config {args.config} must be a JSON object of settings")
    if args.allowed_regions is not None:
        data["allowed_regions"] = [r for r in args.allowed_regions.split(",") if r]
    for assignment in args.set or []:
        key, sep, raw = assignment.partition("=")
        if not sep:
            raise SystemExit(f"cryptoguard: --set wants KEY=VALUE, got {assignment!r}")
        try:
            data[key] = json.loads(raw)
        except json.JSONDecodeError:
            data[key] = raw  # text: the settings loader types it (a list splits on commas)
    try:
        return Settings.from_mapping(data)
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"cryptoguard: bad settings: {exc}") from None


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="JSON file of settings (the same names as the Terraform variable)")
    parser.add_argument("--allowed-regions", help="comma-separated regions in use, e.g. ap-northeast-1,us-east-1")
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="any setting, e.g. --set max_asg_size=50 (repeatable; JSON values accepted)",
    )


def cmd_hunt(args: argparse.Namespace) -> int:
    from cryptoguard import hunt, sources

    enrich = None
    if args.enrich:
        from cryptoguard.enrich import UserDataEnricher, member_clients

        # A hunt may read much more than one invocation: a larger budget and deadline, still bounded.
        enrich = UserDataEnricher(member_clients(args.enrich_role), max_fetches=5000, deadline_seconds=3600)
    summary = hunt.run(sources.read(args.paths), Context(_settings(args)), enrich=enrich)
    print(summary.text(), file=sys.stderr)
    if args.fail_on and summary.worst is not None and summary.worst >= Severity.parse(args.fail_on):
        return 3
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from cryptoguard.rules.base import SEEDS

    if args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "title": r.title,
                        "severity": r.severity.name,
                        "seed": r.seed,
                        "mitre": r.mitre,
                        "description": r.description,
                    }
                    for r in RULES.values()
                ],
                indent=2,
            )
        )
        return 0
    print(catalogue_markdown(RULES.values(), SEEDS))
    return 0


def catalogue_markdown(rules: Any, seeds: dict[str, str]) -> str:
    lines = ["| id | severity | title | seed | MITRE ATT&CK | what it catches |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.id} | {r.severity.name} | {r.title} | {r.seed} | {r.mitre} | {r.description} |" for r in rules]
    lines += ["", "Seeds: " + "; ".join(f"{k}: {v}" for k, v in seeds.items()) + "."]
    return "\n".join(lines)


def cmd_drill(args: argparse.Namespace) -> int:
    from cryptoguard.drill import run as drill

    return drill.main(args, _settings(args))


def cmd_emulators(_: argparse.Namespace) -> int:
    from cryptoguard.drill import emulators

    return emulators.serve_forever()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cryptoguard", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    hunt = sub.add_parser("hunt", help="run the detection rules over CloudTrail archives")
    hunt.add_argument("paths", nargs="+", help="files, directories or s3://bucket/prefix")
    hunt.add_argument("--fail-on", metavar="SEVERITY", help="exit 3 if any finding is at least this severe")
    hunt.add_argument(
        "--enrich",
        action="store_true",
        help="read back user data that CloudTrail redacted, from each record's account (needs AWS credentials "
        "that can assume --enrich-role there)",
    )
    hunt.add_argument(
        "--enrich-role",
        default="cryptoguard-enrichment",
        help="the read-only role modules/enrichment_role creates in member accounts (default: %(default)s)",
    )
    _add_settings_flags(hunt)
    hunt.set_defaults(func=cmd_hunt)
    drill = sub.add_parser("drill", help="replay the seed campaigns and show what is caught")
    drill.add_argument("--target", choices=["local", "aws"], default="local")
    drill.add_argument("--report", help="write the detection matrix as Markdown to this file")
    drill.add_argument("--scenario", action="append", help="only these scenarios (repeatable)")
    drill.add_argument("--yes", action="store_true", help="--target aws: do not ask for confirmation")
    drill.add_argument("--topic-arn", help="--target aws: the deployed notifications topic")
    drill.add_argument("--region", help="--target aws: a region outside allowed_regions to probe")
    drill.add_argument("--timeout", type=float, default=300, help="--target aws: seconds to wait for the alert")
    _add_settings_flags(drill)
    drill.set_defaults(func=cmd_drill)
    emu = sub.add_parser("emulators", help="start LocalStack and moto and print their endpoints")
    emu.set_defaults(func=cmd_emulators)
    rules = sub.add_parser("rules", help="print the rule catalogue")
    rules.add_argument("--format", choices=["markdown", "json"], default="markdown")
    rules.set_defaults(func=cmd_rules)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
