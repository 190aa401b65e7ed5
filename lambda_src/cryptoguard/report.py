"""How `hunt` writes what it found: a table for people, JSON lines and CSV for scripts, SARIF for code-scanning
dashboards, OCSF Detection Findings (class 2004) for security lakes. Each writer takes findings (with where
their record was read) or incidents (alerts.Alert, folded exactly as the Lambda folds them)."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from cryptoguard.alerts import Alert
from cryptoguard.rules import RULES, Finding, Severity
from cryptoguard.scan import Hit

FORMATS = ("table", "jsonl", "csv", "sarif", "ocsf")
SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning"}
# OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
OCSF_SEVERITY = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
OCSF_VERSION = "1.3.0"


def finding_dict(finding: Finding, hit: Hit) -> dict[str, Any]:
    """A finding as the Lambda logs it, plus the file and position of its record."""
    where = {"source": hit.source, "record_index": hit.index}
    if hit.line is not None:
        where["line"] = hit.line
    return {**finding.to_dict(), **where}


class Writer:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def finding(self, finding: Finding, hit: Hit) -> None:
        raise NotImplementedError

    def incident(self, alert: Alert) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.out.flush()


class JsonLines(Writer):
    def finding(self, finding: Finding, hit: Hit) -> None:
        self.out.write(json.dumps(finding_dict(finding, hit), default=str) + "\n")

    def incident(self, alert: Alert) -> None:
        self.out.write(json.dumps(alert.to_dict(), default=str) + "\n")


FINDING_COLUMNS = ("event_time", "severity", "rule_id", "account", "region", "principal", "event_name", "title")
INCIDENT_COLUMNS = ("first_seen", "last_seen", "count", "severity", "rule_id", "account", "region", "principal")


class Csv(Writer):
    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.writer = csv.writer(out, lineterminator="\n")
        self.header: tuple[str, ...] = ()

    def _row(self, columns: tuple[str, ...], values: dict[str, Any]) -> None:
        if not self.header:
            self.header = columns
            self.writer.writerow(columns)
        self.writer.writerow([values.get(c, "") for c in columns])

    def finding(self, finding: Finding, hit: Hit) -> None:
        values = finding_dict(finding, hit)
        self._row((*FINDING_COLUMNS, "source_ip", "event_id", "origin"), {**values, "origin": hit.origin})

    def incident(self, alert: Alert) -> None:
        self._row((*INCIDENT_COLUMNS, "title", "incident"), alert.to_dict())


class Table(Writer):
    """Fixed columns, written as findings come (a long hunt shows its first findings at once)."""

    WIDTHS = (20, 8, 14, 12, 14, 36, 22)  # the last: event name (findings) or count (incidents, narrower)
    INCIDENT_WIDTHS = (*WIDTHS[:-1], 6)

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.started = False

    def _line(self, cells: list[str], widths: tuple[int, ...] = WIDTHS) -> None:
        *fixed, last = cells
        text = "  ".join(_fit(c, w) for c, w in zip(fixed, widths, strict=True))
        self.out.write(f"{text}  {last}\n")

    def _header(self, names: list[str], widths: tuple[int, ...] = WIDTHS) -> None:
        if not self.started:
            self.started = True
            self._line(names, widths)

    def finding(self, finding: Finding, hit: Hit) -> None:
        r = finding.record
        self._header(["TIME (UTC)", "SEVERITY", "RULE", "ACCOUNT", "REGION", "PRINCIPAL", "EVENT", "TITLE / WHERE"])
        when = r.event_time.strftime("%Y-%m-%d %H:%M:%S")
        cells = [when, finding.severity.name, finding.rule.id, r.account, r.region, r.principal, r.event_name]
        self._line([*cells, f"{finding.rule.title}  ({hit.origin})"])

    def incident(self, alert: Alert) -> None:
        names = ["FIRST SEEN (UTC)", "SEVERITY", "RULE", "ACCOUNT", "REGION", "PRINCIPAL", "COUNT", "TITLE"]
        self._header(names, self.INCIDENT_WIDTHS)
        first = alert.first_seen.strftime("%Y-%m-%d %H:%M:%S") if alert.first_seen else ""
        cells = [first, alert.severity.name, alert.rule_id, alert.account, alert.region, alert.principal]
        self._line([*cells, str(alert.count), alert.title], self.INCIDENT_WIDTHS)


def _fit(text: str, width: int) -> str:
    """Long principals keep their end (the role or user name), which is what a person reads."""
    return text.ljust(width) if len(text) <= width else "…" + text[-(width - 1) :]


class Sarif(Writer):
    """One SARIF 2.1.0 log at the end: GitHub code scanning and other dashboards import it."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.results: list[dict[str, Any]] = []

    def _result(self, rule_id: str, severity: Severity, text: str, uri: str, properties: dict) -> None:
        self.results.append(
            {
                "ruleId": rule_id,
                "level": SARIF_LEVEL.get(severity, "note"),
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}] if uri else [],
                "properties": properties,
            }
        )

    def finding(self, finding: Finding, hit: Hit) -> None:
        r = finding.record
        text = f"{finding.rule.title}: {r.event_name} by {r.principal} in {r.account}/{r.region} at {r.event_time}"
        self._result(finding.rule.id, finding.severity, text, hit.source, finding_dict(finding, hit))

    def incident(self, alert: Alert) -> None:
        self._result(alert.rule_id, alert.severity, alert.subject, "", alert.to_dict())

    def close(self) -> None:
        used = {r["ruleId"] for r in self.results}
        rules = [
            {
                "id": rule.id,
                "name": rule.title,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.description},
                "properties": {"security-severity": str(2.0 + 2 * int(rule.severity)), "tags": [rule.mitre]},
            }
            for rule in RULES.values()
            if rule.id in used
        ]
        log = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "cryptoguard", "rules": rules}}, "results": self.results}],
        }
        json.dump(log, self.out, indent=2, default=str)
        self.out.write("\n")
        super().close()


class Ocsf(Writer):
    """OCSF Detection Finding (class_uid 2004) as JSON lines."""

    def _event(self, severity: Severity, title: str, uid: str, when: Any, account: str, region: str, **more: Any):
        event = {
            "class_uid": 2004,
            "category_uid": 2,
            "activity_id": 1,  # Create
            "type_uid": 200401,
            "severity_id": OCSF_SEVERITY[severity],
            "severity": severity.name.title(),
            "status_id": 1,  # New
            "time": int(when.timestamp() * 1000) if when else None,
            "metadata": {"version": OCSF_VERSION, "product": {"name": "cryptoguard", "vendor_name": "cryptoguard"}},
            "finding_info": {"uid": uid, "title": title},
            "cloud": {"provider": "AWS", "account": {"uid": account}, "region": region},
            **more,
        }
        self.out.write(json.dumps(event, default=str) + "\n")

    def finding(self, finding: Finding, hit: Hit) -> None:
        r = finding.record
        self._event(
            finding.severity,
            finding.rule.title,
            f"{finding.rule.id}:{r.event_id}",
            r.event_time,
            r.account,
            r.region,
            actor={"user": {"uid": r.principal}},
            api={"operation": r.event_name, "service": {"name": r.event_source}},
            src_endpoint={"ip": r.source_ip} if r.source_ip else {},
            unmapped=finding_dict(finding, hit),
        )

    def incident(self, alert: Alert) -> None:
        self._event(
            alert.severity,
            alert.title,
            alert.incident,
            alert.first_seen,
            alert.account,
            alert.region,
            actor={"user": {"uid": alert.principal}},
            count=alert.count,
            unmapped=alert.to_dict(),
        )


WRITERS: dict[str, type[Writer]] = {"table": Table, "jsonl": JsonLines, "csv": Csv, "sarif": Sarif, "ocsf": Ocsf}
