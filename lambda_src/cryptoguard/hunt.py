"""`cryptoguard hunt`: the live rules over CloudTrail archives, in event-time order whatever the layout.

Files are read (in worker processes) in the order sources.listing gives: by the earliest time their records can
have been delivered. Each file's records go through the patterns EventBridge applies (scan.py), and the ones
delivered wait in a heap until no file still to be read can hold an earlier one; then they go through the
rules in (event time, event id) order. CloudTrail delivers a record after its event, usually within minutes, so
a file delivered at T holds nothing from after T, and a later file nothing from before its delivery time minus
`reorder_window` (default one hour). Memory is therefore bounded by the delivered records of one window, not by
the archive, and the findings are those of one file holding every record. A record later than the window is
still evaluated and counted as late in the summary (correlations with it may be missed).
"""

from __future__ import annotations

import heapq
import json
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing import get_context
from typing import IO, Any

from cryptoguard import sources
from cryptoguard.alerts import INCIDENT_WINDOW, Alert, aggregate, priority
from cryptoguard.indicators import redacted
from cryptoguard.records import Record
from cryptoguard.report import Writer
from cryptoguard.rules import Context, Severity, evaluate
from cryptoguard.scan import FileResult, Hit, Scope, scan
from cryptoguard.sources import Source, SourceError

try:
    import msgspec

    _packer, _unpacker = msgspec.msgpack.Encoder(), msgspec.msgpack.Decoder(list[FileResult])
except ImportError:  # pragma: no cover - results are pickled instead
    _packer = _unpacker = None

MAX_ERRORS_SHOWN = 20
Fetch = Callable[[str], bytes]  # a source's bytes from its URI
REORDER_WINDOW = timedelta(hours=1)
COUNTED_AHEAD = 100_000  # sources listed ahead to give the progress bar a total (and an ETA)
# Files per worker task, and tasks in flight per worker: enough that no worker waits on the parent, few enough
# that memory stays a few files per worker.
BATCH_FILES = 32
BATCHES_AHEAD = 3
STDIN_CHUNK = 32 << 20  # standard input is read in slices of whole lines of about this size


@dataclass
class Summary:
    files: int = 0
    records: int = 0
    delivered: int = 0
    findings: int = 0
    incidents: int = 0
    malformed: int = 0
    unreadable: int = 0
    filtered: int = 0  # delivered records outside --since/--until/--account/--region
    late: int = 0  # records that came after later ones had been evaluated (beyond the reorder window)
    redacted: int = 0  # launches whose user data CloudTrail hid and nobody read back
    by_rule: Counter = field(default_factory=Counter)
    worst: Severity | None = None

    def text(self) -> str:
        lines = [
            f"hunt: {self.files} files, {self.records} records read, {self.delivered} matched the event patterns, "
            f"{self.findings} findings"
            + (f" in {self.incidents} incidents" if self.incidents else "")
            + f"; {self.malformed} malformed records, {self.unreadable} unreadable inputs"
        ]
        if self.filtered:
            lines.append(f"  {self.filtered} matching records were outside --since/--until/--account/--region")
        lines += [f"  {rule}: {count}" for rule, count in sorted(self.by_rule.items())]
        if self.late:
            lines.append(
                f"  {self.late} records arrived after later ones had been evaluated; correlations with them may be "
                "missed: raise --reorder-window"
            )
        if self.redacted:
            lines.append(
                f"  {self.redacted} launches had their user data redacted by CloudTrail, so miners in it were not "
                "looked for: --enrich reads it back from the member accounts"
            )
        return "\n".join(lines)


def _scan(batch: list[Source], scope: Scope, fetch: Fetch = sources.fetch) -> list[FileResult]:
    """Read and scan a few sources (one task for a worker: files are often small, and each task costs a round
    trip between processes)."""
    results = []
    for source in batch:
        if source.uri == sources.STDIN:
            results += _stdin(scope)
            continue
        if source.error:
            results.append(FileResult(source.uri, unreadable=source.error))
            continue
        try:
            data = fetch(source.uri)
        except SourceError as exc:
            results.append(FileResult(source.uri, unreadable=str(exc)))
            continue
        results.append(scan(data, source.uri, scope))
    return results


def _scan_packed(batch: list[Source], scope: Scope) -> bytes | list[FileResult]:
    """A worker's task: its results as MessagePack when msgspec is there (a quarter of pickle's cost, on both
    sides of the pipe, for the records the rules will read)."""
    results = _scan(batch, scope)
    return _packer.encode(results) if _packer is not None else results


def _unpacked(results: bytes | list[FileResult]) -> list[FileResult]:
    return _unpacker.decode(results) if isinstance(results, bytes) else results


def _stdin(scope: Scope, stream: Any = None, chunk: int = STDIN_CHUNK) -> list[FileResult]:
    """Standard input: read whole when it is not JSON lines (gzip, a pretty-printed document); else JSON
    lines (`zcat *.json.gz` gives one log file per line), scanned a slice at a time so that only the matching
    records of a long stream are kept."""
    stream = stream or sys.stdin.buffer
    pending = stream.read(chunk)
    while pending and b"\n" not in pending:  # the first line, whole, says what this is
        more = stream.read(chunk)
        if not more:
            break
        pending += more
    if pending[:2] == b"\x1f\x8b" or not _json(pending.split(b"\n", 1)[0]):
        return [scan(pending + stream.read(), sources.STDIN, scope)]
    results, line = [], 1
    while pending:
        more = stream.read(chunk)
        cut = pending.rfind(b"\n") + 1 if more else len(pending)
        if cut == 0:  # one line longer than a slice: read on
            pending += more
            continue
        piece, pending = pending[:cut], pending[cut:] + more
        results.append(scan(piece, sources.STDIN, scope, first_line=line))
        line += piece.count(b"\n")
    return results


def _json(line: bytes) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _worker_init() -> None:
    # A worker only reads files; Ctrl-C and a closed pipe are the parent's to handle.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sources.s3_client.cache_clear()  # a forked copy of the parent's client would share its connections


def _batches(listed: Iterable[Source], size: int) -> Iterator[list[Source]]:
    batch: list[Source] = []
    for source in listed:
        batch.append(source)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def scanned(
    listed: Iterable[Source], scope: Scope, workers: int = 1, fetch: Fetch = sources.fetch
) -> Generator[tuple[FileResult, Source | None], None, None]:
    """Each source's result, in listing order, and the source after it (None at the end). With workers, a
    bounded number of batches of files are read ahead in other processes while the caller evaluates."""
    pool = None
    if workers > 1 and fetch is sources.fetch:  # another way of fetching is this process's own
        # Forked: a worker starts in milliseconds with the modules already imported (spawn re-imports them).
        pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_worker_init)

    def start(batch: list[Source]) -> Future | list[FileResult]:
        if pool is None or any(source.uri == sources.STDIN for source in batch):  # standard input is ours
            return _scan(batch, scope, fetch)
        return pool.submit(_scan_packed, batch, scope)

    batches = _batches(listed, BATCH_FILES if pool is not None else 1)
    ahead: deque[tuple[list[Source], Future | list[FileResult]]] = deque()
    try:
        for batch in batches:
            ahead.append((batch, start(batch)))
            if len(ahead) >= BATCHES_AHEAD * workers:
                break
        while ahead:
            batch, pending = ahead.popleft()
            following = next(batches, None)
            if following is not None:
                ahead.append((following, start(following)))
            results = _unpacked(pending.result()) if isinstance(pending, Future) else pending
            for i, result in enumerate(results):
                after = batch[i + 1] if i + 1 < len(batch) else ahead[0][0][0] if ahead else None
                yield result, after
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class Incidents:
    """Findings folded into incidents as the Lambda folds them (alerts.aggregate), over an archive: an incident
    stays open INCIDENT_WINDOW from its first alert, as the Lambda's incident counter does."""

    def __init__(self, canaries: tuple[str, ...]) -> None:
        self.canaries = canaries
        self.open: dict[str, Alert] = {}
        self.closed: list[Alert] = []

    def add(self, finding: Any) -> None:
        alert = self.open.get(finding.incident)
        if alert is not None and alert.first_seen and finding.record.event_time - alert.first_seen > INCIDENT_WINDOW:
            self.closed.append(self.open.pop(finding.incident))
            alert = None
        if alert is None:
            self.open[finding.incident] = aggregate([finding], self.canaries)[0]
        else:
            alert.add(finding)

    def all(self) -> list[Alert]:
        """In aggregate's order; an incident that reopened later comes after its earlier one."""
        return sorted([*self.closed, *self.open.values()], key=lambda a: (priority(a), a.first_seen))


class _Hunt:
    """One hunt's state: the summary, the records waiting for their turn, and where the output goes."""

    def __init__(self, ctx: Context, writer: Writer, err: IO[str], enrich: Any, incidents: bool) -> None:
        self.ctx, self.writer, self.err, self.enrich = ctx, writer, err, enrich
        self.summary = Summary()
        self.folded = Incidents(ctx.settings.canary_principals) if incidents else None
        self.waiting: list[tuple[datetime, str, int, Hit]] = []
        self.released: datetime | None = None  # every record before this has been evaluated
        self.sequence = 0
        self.shown = 0
        self.bar: Any = None

    def report(self, message: str) -> None:
        self.shown += 1
        if self.shown <= MAX_ERRORS_SHOWN:
            text = f"error: {message}"
        elif self.shown == MAX_ERRORS_SHOWN + 1:
            text = "error: (further errors counted in the summary only)"
        else:
            return
        if self.bar is not None:
            self.bar.write(text, file=self.err)  # above the bar, not through it
        else:
            print(text, file=self.err)

    def take(self, result: FileResult, following: Source | None, reorder_window: timedelta) -> None:
        summary = self.summary
        summary.files += 1
        summary.records += result.records
        summary.filtered += result.filtered
        if result.unreadable:
            summary.unreadable += 1
            self.report(result.unreadable)
        summary.malformed += len(result.errors)
        for message in result.errors:
            self.report(message)
        for hit in result.hits:
            if self.released is not None and hit.record.event_time < self.released:
                summary.late += 1
            heapq.heappush(self.waiting, (hit.record.event_time, hit.record.event_id, self.sequence, hit))
            self.sequence += 1
        if following is not None and following.bound > sources.EARLIEST + reorder_window:
            # No file still to read holds a record from before its delivery bound minus the window.
            self.release(following.bound - reorder_window)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"{summary.records:,} records", refresh=False)

    def release(self, horizon: datetime | None = None) -> None:
        """Evaluate the waiting records from before `horizon` (all of them without one), oldest first."""
        while self.waiting and (horizon is None or self.waiting[0][0] < horizon):
            at, _, _, hit = heapq.heappop(self.waiting)
            self.released = at if self.released is None else max(self.released, at)
            self.evaluate(hit)

    def evaluate(self, hit: Hit) -> None:
        summary = self.summary
        record = self.enrich(hit.record) if self.enrich is not None else hit.record
        summary.delivered += 1
        summary.redacted += redacted(record)
        for finding in evaluate(record, self.ctx):
            summary.findings += 1
            summary.by_rule[finding.rule.id] += 1
            summary.worst = max(summary.worst or finding.severity, finding.severity)
            if self.folded is not None:
                self.folded.add(finding)
            else:
                self.writer.finding(finding, hit)

    def finish(self) -> Summary:
        self.release()
        if self.bar is not None:
            self.bar.close()
        if self.folded is not None:
            for alert in self.folded.all():
                self.summary.incidents += 1
                self.writer.incident(alert)
        self.writer.close()
        return self.summary


def run(
    listed: Iterable[Source],
    ctx: Context,
    writer: Writer,
    err: IO[str] = sys.stderr,
    scope: Scope | None = None,
    enrich: Callable[[Record], Record] | None = None,
    workers: int = 1,
    incidents: bool = False,
    reorder_window: timedelta = REORDER_WINDOW,
    progress: bool = False,
    fetch: Fetch = sources.fetch,
) -> Summary:
    """Hunt the `listed` sources (sources.listing) with the rules of `ctx`, writing to `writer`."""
    s = ctx.settings
    scope = scope or Scope(s.allowed_regions, s.guardduty_severity_threshold)
    hunt = _Hunt(ctx, writer, err, enrich, incidents)
    if progress:
        listed, total = _counted(listed)
        hunt.bar = _progress_bar(total, err)
    results = scanned(listed, scope, workers, fetch)
    try:
        for result, following in results:
            hunt.take(result, following, reorder_window)
    finally:
        results.close()  # stops the workers, also when the output pipe closed under us
    return hunt.finish()


def _counted(listed: Iterable[Source]) -> tuple[Iterator[Source], int | None]:
    """List up to COUNTED_AHEAD sources ahead: their number is the progress bar's total when that is all."""
    iterator = iter(listed)
    head = []
    for source in iterator:
        head.append(source)
        if len(head) >= COUNTED_AHEAD:
            return _chain(head, iterator), None
    return iter(head), len(head)


def _chain(head: list[Source], rest: Iterator[Source]) -> Iterator[Source]:
    yield from head
    yield from rest


def _progress_bar(total: int | None, err: IO[str]) -> Any:
    try:
        import tqdm
    except ImportError:  # an optional nicety: without it, no bar
        return None
    tqdm.tqdm.monitor_interval = 0  # no monitor thread: the workers are forked from this process

    return tqdm.tqdm(total=total, unit="file", file=err, dynamic_ncols=True, leave=False)


class UsageError(Exception):
    """A mistake on the command line, found before any work: exit 2 with the reason."""


def exit_code(summary: Summary, fail_on: Severity | None) -> int:
    """0, 3 when a finding reached --fail-on, 2 when there was input and none of it could be read."""
    if summary.files and summary.unreadable == summary.files:
        print("cryptoguard hunt: no input could be read", file=sys.stderr)
        return 2
    if fail_on is not None and summary.worst is not None and summary.worst >= fail_on:
        return 3
    return 0


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
