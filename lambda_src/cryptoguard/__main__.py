"""cryptoguard: hunt CloudTrail archives, drill the defences, run the emulators, list the rules.

python -m cryptoguard hunt PATH [PATH...]   the rules over CloudTrail archives (or --engine athena); see hunt --help
python -m cryptoguard drill                 replay the seed campaigns on the local emulators (or --target aws)
python -m cryptoguard emulators             start LocalStack and moto for manual use
python -m cryptoguard rules                 the rule catalogue (markdown or json)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptoguard.hunt import UsageError, default_workers, exit_code
from cryptoguard.rules import RULES, Context, Severity
from cryptoguard.settings import Settings
from cryptoguard.sources import Filters

HUNT_HELP = """Run the detection rules over CloudTrail archives, as the Lambda would have run them live.

Reads CloudTrail log files (.json.gz, as the trail writes them), JSON or JSON lines of records or EventBridge
events, from files, directories, s3://bucket/prefix or - (standard input). Records are evaluated in event-time
order whatever the order of files and folders; digest files are passed over.

--since/--until/--account/--region narrow the hunt; on the trail layout (AWSLogs/[o-org/]<account>/CloudTrail/
<region>/<yyyy>/<mm>/<dd>/) they are applied to folder and file names, so other files are never fetched.

Exit status: 0 done; 3 a finding at least as severe as --fail-on; 2 a usage error or no input could be read;
141 when the reader of the output went away (`| head`), quietly.

examples:
  cryptoguard hunt s3://trail-bucket/AWSLogs/ --since 2025-03-01 --account 111122223333 --incidents
  cryptoguard hunt ./AWSLogs --region us-west-2 --format csv > findings.csv
  zcat *.json.gz | cryptoguard hunt - --format sarif > hunt.sarif
  cryptoguard hunt --engine athena --since 2025-01-01 --until 2025-12-31 --print-sql
"""


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


def _time(value: str, end_of_day: bool = False) -> datetime:
    """ISO 8601 in UTC unless it says otherwise; a bare date is its whole day (so --until includes it)."""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"not a date or time: {value!r} (use 2025-03-01 or 2025-03-01T12:00:00Z)") from None
    if len(value) == 10 and end_of_day:
        at += timedelta(days=1) - timedelta(microseconds=1)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _listed(values: list[str] | None, pattern: str, what: str) -> frozenset[str]:
    items = frozenset(v for value in values or [] for v in value.split(",") if v)
    bad = sorted(v for v in items if not re.fullmatch(pattern, v))
    if bad:
        raise UsageError(f"not {what}: {', '.join(bad)}")
    return items


def hunt_filters(args: argparse.Namespace) -> Filters:
    since = _time(args.since) if args.since else None
    until = _time(args.until, end_of_day=True) if args.until else None
    if since and until and since > until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    if args.reorder_window < 0:
        raise UsageError("--reorder-window is minutes, 0 or more")
    return Filters(
        since,
        until,
        _listed(args.account, r"\d{12}", "12-digit account ids"),
        _listed(args.region, r"[a-z]{2}(-[a-z]+)+-\d", "region names like eu-west-1"),
        timedelta(minutes=args.reorder_window),
    )


def cmd_hunt(args: argparse.Namespace) -> int:
    from cryptoguard import hunt, report, sources
    from cryptoguard.scan import Scope

    try:
        fail_on = Severity.parse(args.fail_on) if args.fail_on else None
        filters = hunt_filters(args)
        if args.workers < 1:
            raise UsageError("--workers must be 1 or more")
        settings = _settings(args)
        scope = Scope(settings.allowed_regions, settings.guardduty_severity_threshold, filters)
        if args.engine == "athena":
            from cryptoguard import athena

            try:
                prepared = athena.prepare(args, scope)
            except athena.QueryFailed as exc:
                print(f"cryptoguard hunt: {exc}", file=sys.stderr)
                return 1
            if prepared is None:  # --print-sql
                return 0
            listed, fetch = prepared
        elif not args.paths:
            raise UsageError("give files, directories, s3://bucket/prefix or - (standard input)")
        else:
            listed, fetch = sources.listing(args.paths, filters), sources.fetch
    except (UsageError, ValueError) as exc:
        print(f"cryptoguard hunt: {exc}", file=sys.stderr)
        return 2
    except sources.SourceError as exc:
        print(f"cryptoguard hunt: no input could be read: {exc}", file=sys.stderr)
        return 2
    enrich = None
    if args.enrich:
        from cryptoguard.enrich import UserDataEnricher, member_clients

        # A hunt may read much more than one invocation: a larger budget and deadline, still bounded.
        enrich = UserDataEnricher(member_clients(args.enrich_role), max_fetches=5000, deadline_seconds=3600)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    summary = hunt.run(
        listed,
        Context(settings),
        report.WRITERS[fmt](sys.stdout),
        scope=scope,
        enrich=enrich,
        workers=args.workers,
        incidents=args.incidents,
        reorder_window=filters.slack,
        progress=sys.stderr.isatty() and not args.quiet,
        fetch=fetch,
    )
    print(summary.text(), file=sys.stderr)
    return exit_code(summary, fail_on)


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
    hunt = sub.add_parser(
        "hunt",
        help="run the detection rules over CloudTrail archives",
        description=HUNT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hunt.add_argument("paths", nargs="*", help="files, directories, s3://bucket/prefix, or - for standard input")
    hunt.add_argument("--since", help="only events at or after this time (2025-03-01 or 2025-03-01T12:00Z; UTC)")
    hunt.add_argument("--until", help="only events at or before this time (a bare date includes that whole day)")
    hunt.add_argument("--account", action="append", help="only these accounts (comma-separated, repeatable)")
    hunt.add_argument("--region", action="append", help="only these regions (comma-separated, repeatable)")
    hunt.add_argument(
        "--format",
        choices=["table", "jsonl", "csv", "sarif", "ocsf"],
        help="output: table (default on a terminal), jsonl (default otherwise), csv, sarif or ocsf",
    )
    hunt.add_argument("--incidents", action="store_true", help="one line per incident (findings folded as alerts are)")
    hunt.add_argument("--fail-on", metavar="SEVERITY", help="exit 3 if any finding is at least this severe")
    hunt.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes reading files (default: the cores, %(default)s here)",
    )
    hunt.add_argument(
        "--reorder-window",
        type=float,
        default=60,
        metavar="MINUTES",
        help="how late CloudTrail may deliver an event (default %(default)s): records are put back in time "
        "order within it",
    )
    hunt.add_argument("--quiet", action="store_true", help="no progress bar (there is none when not on a terminal)")
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
    athena = hunt.add_argument_group("Athena (--engine athena; modules/athena_hunt creates what it uses)")
    athena.add_argument("--engine", choices=["local", "athena"], default="local", help="where records are read")
    athena.add_argument("--print-sql", action="store_true", help="print the Athena query and run nothing")
    athena.add_argument("--workgroup", default="cryptoguard-hunt", help="Athena workgroup (default: %(default)s)")
    athena.add_argument("--database", default="cryptoguard_hunt", help="Glue database (default: %(default)s)")
    athena.add_argument("--table", default="cloudtrail", help="CloudTrail table (default: %(default)s)")
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
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do, with SIGPIPE's status.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
