"""The records that pass between the stages: journal header, pair, run, result document.

The suite writes them (``measuring/``), the journal and the result file store them (``store/``), the
reports read them (``reports/``): each stage holds typed records, and only this module knows their
JSON. A result file keeps pytest-benchmark's shape (its ``compare`` reads it), with wasmbench's own
data under ``extra_info`` and ``wasmbench``.

Every result file and journal header carries ``format_version``. ``upgrade`` brings a document of
any earlier format to the current one; ``ResultDocument.from_dict`` then checks each field's
presence and type, so a report never meets a missing key or a string where a number belongs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, TypeVar

import dacite
from pytest_benchmark.stats import Stats

from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage

# The result file and journal header format written today. 1: everything written before the
# number existed (those files differ only by keys that later writers added; see ``upgrade``).
FORMAT_VERSION = 2
# Where a run stood in an interleaved suite and the host's evidence of interference over it:
# recorded only when known, so that the records of suites that did not interleave or sample the
# host keep the shape they always had.
RUN_CONTEXT = (
    "round",
    "position",
    "layout_padding",
    "repeat_of",
    "others_cpu_s",
    "steal_s",
    "cpu_pressure_s",
)
# The host facts the reports label results with, present in every current ``machine_info``.
HOST_KEYS = ("label", "hostname", "arch", "cpu_model", "cores", "instance_type")
# The denominator of every ratio: each mode's time is divided by this mode's, in the same round.
BASELINE = ("native", "default")
# The longest time a stored run may claim: no run of a benchmark suite takes a week, so a longer
# one (wall or CPU) is damage, not a measurement, and would swamp every mean it entered.
LONGEST_RUN_S = 7 * 24 * 3600


class SchemaError(WasmbenchError):
    """A stored record that is not what its format says: which one, and what is wrong with it."""


class Status(StrEnum):
    OK = "ok"
    WRONG_OUTPUT = "wrong_output"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    ERROR = "error"


def _as_float(value: Any) -> Any:
    """JSON writes 2.0 as 2: a whole number stands for a float (a bool or a string does not)."""
    return float(value) if type(value) is int else value


_CONFIG = dacite.Config(cast=[StrEnum], type_hooks={float: _as_float})


Record = TypeVar("Record")


def typed(cls: type[Record], data: Any, what: str) -> Record:
    """``data`` as a ``cls``: every field without a default present, every value of its type."""
    if not isinstance(data, dict):
        raise SchemaError(f"{what} is not a JSON object")
    try:
        return dacite.from_dict(cls, data, _CONFIG)
    except (dacite.DaciteError, ValueError) as error:  # ValueError: not one of an enum's values
        raise SchemaError(f"{what}: {error}") from None


@dataclass(frozen=True, order=True)
class Pair:
    """One cell of the result table: a workload at a size under one runtime mode."""

    workload: str
    size: str
    runtime: str
    mode: str

    @property
    def key(self) -> str:
        return f"{self.workload}/{self.size}/{self.runtime}/{self.mode}"

    @property
    def group(self) -> str:
        """The workload and size: the pairs that share rounds."""
        return f"{self.workload}/{self.size}"

    @property
    def is_baseline(self) -> bool:
        return (self.runtime, self.mode) == BASELINE

    @classmethod
    def from_key(cls, key: str) -> Pair:
        workload, size, runtime, mode = key.split("/")
        return cls(workload, size, runtime, mode)


@dataclass(frozen=True)
class Measurement:
    """One measured run: its costs, its output digest and whether the output was right.

    Stored flat (the usage's keys beside the others). ``round`` is the interleaved round the run
    belonged to, ``position`` its place within that round and ``layout_padding`` the bytes of
    environment padding it ran with (None: not recorded); ``repeat_of`` the round a repeat round
    measured again because a run in it was disturbed. ``others_cpu_s``, ``steal_s`` and
    ``cpu_pressure_s`` are the host's evidence of interference over the run (None: not recorded;
    ``execution/interference.py``). ``stray_processes`` counts the processes the program left
    running when it exited, which the harness killed: a result shows that the program left work
    behind.
    """

    status: Status
    usage: Usage
    exit_code: int | None
    signal: int | None
    stdout_sha256: str
    stdout_bytes: int
    phases_ns: dict[str, int] = field(default_factory=dict)
    detail: str = ""
    summary: str = ""
    round: int | None = None
    position: int | None = None
    layout_padding: int | None = None
    repeat_of: int | None = None
    others_cpu_s: float | None = None
    steal_s: float | None = None
    cpu_pressure_s: float | None = None
    stray_processes: int = 0

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @classmethod
    def failure(cls, status: Status, detail: str) -> Measurement:
        """A run that never ran (e.g. its prepare step failed): nothing measured, ``detail`` says why."""
        return cls(status, Usage.zero(), None, None, "", 0, detail=detail)

    def with_run_context(
        self,
        round: int | None,
        position: int | None,
        layout_padding: int | None,
        repeat_of: int | None = None,
    ) -> Measurement:
        """This run, placed in its suite (None for what the suite did not record)."""
        return replace(
            self, round=round, position=position, layout_padding=layout_padding, repeat_of=repeat_of
        )

    @classmethod
    def columns(cls) -> list[str]:
        """The keys of the flat record, in order (``phases_ns`` included)."""
        nested = [f.name for f in fields(Usage)]
        return ["status", *nested, *(f.name for f in fields(cls) if f.name not in ("status", "usage"))]

    def to_dict(self) -> dict[str, Any]:
        """The flat record of result files and journals."""
        record = asdict(self)
        del record["status"], record["usage"]
        flat = {"status": self.status.value, **self.usage.to_dict(), **record}
        if not self.stray_processes:  # recorded when there were some: other runs keep their shape
            del flat["stray_processes"]
        return {key: value for key, value in flat.items() if key not in RUN_CONTEXT or value is not None}

    @classmethod
    def from_dict(cls, data: Any, what: str = "a run") -> Measurement:
        usage = typed(Usage, data, what)
        rest = {key: value for key, value in data.items() if key not in usage.to_dict()}
        measurement = typed(cls, rest | {"usage": usage}, what)
        if problem := measurement.impossible_usage():
            raise SchemaError(f"{what}: {problem}")
        return measurement

    def impossible_usage(self) -> str | None:
        """What no clock can have measured (None: nothing): a time that is negative, not finite or
        longer than ``LONGEST_RUN_S``, or no wall time at all for a run marked ``ok``."""
        usage = self.usage
        bounds = {"wall_ns": LONGEST_RUN_S * 10**9, "user_s": LONGEST_RUN_S, "sys_s": LONGEST_RUN_S}
        for name, longest in bounds.items():
            value = getattr(usage, name)
            if not 0 <= value <= longest:  # also false for NaN
                return f"{name} {value!r} is impossible (a time is 0 to {LONGEST_RUN_S:,} s, a week)"
        if self.ok and usage.wall_ns == 0:
            return "wall_ns 0 in a run marked ok (a run that ran took time)"
        return None


@dataclass(frozen=True)
class Artefact:
    """The program a pair ran: the same bytes wherever the sha256 matches. ``wasm_features``: the
    WebAssembly features a wasm build was compiled for (``simd128`` in the SIMD build); recorded
    since the SIMD build exists, so an older record has none."""

    target: str
    sha256: str
    flags: list[str]
    path: str
    wasm_features: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PairInfo:
    """What a pair ran with, journalled once it is prepared (a pair whose preparation failed has none).

    The ``variant`` fields are set for a mode that runs a workload's variant (e.g. wasmtime:nn's
    wasi-nn program): which, its source, how it differs and how its output was judged.
    ``runtime_origin`` is where the runtime came from (``setup runtimes``, PATH, a Python package,
    or for a version the user chose the cache folder it was installed into); "" in older files.
    """

    runtime_title: str
    runtime_version: dict[str, str]
    mode_flags: list[str]
    args: list[str]
    artefact: Artefact
    compiler: dict[str, Any]
    prepare_ns: int | None
    prepare_cached: bool
    runtime_origin: str = ""
    variant: str = ""
    variant_source: str = ""
    variant_summary: str = ""
    validation: str = ""

    @classmethod
    def from_dict(cls, data: Any, what: str = "a pair's info") -> PairInfo:
        return typed(cls, data, what)


@dataclass(frozen=True)
class Skip:
    """A runtime mode the suite left out, and why (``workloads``: only for those)."""

    runtime: str
    mode: str
    reason: str
    hint: str = ""
    workloads: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        return record if self.workloads else {k: v for k, v in record.items() if k != "workloads"}


@dataclass(frozen=True)
class RuntimeInfo:
    title: str
    version: dict[str, str]


# What a suite measures: ``wasmbench run``'s runs, or ``wasmbench invoke``'s invocations.
RUN, INVOKE = "run", "invoke"


@dataclass(frozen=True)
class ColdStart:
    """One cold start (``wasmbench invoke``): from starting a host (the warm path) or sending the
    request (the cold path) to its first response, validated. ``peak_rss_bytes`` is the host's
    peak resident memory then (the cold path: the run's own peak); 0 when unknown."""

    round: int
    position: int
    status: Status
    wall_ns: int
    peak_rss_bytes: int = 0
    detail: str = ""


@dataclass(frozen=True)
class LoadRun:
    """A load generator's run against a served function at one concurrency: the latencies of the
    valid (200) responses only, every other response counted by its HTTP status (``errors``),
    the run's own duration and the hosts' resident memory after it (0 when unknown)."""

    concurrency: int
    instances: int
    requests: int
    latencies_ns: list[int]
    errors: dict[str, int]
    duration_s: float
    host_rss_bytes: int = 0
    position: int = 0
    detail: str = ""


@dataclass(frozen=True)
class MemoryPoint:
    """The summed resident memory of ``instances`` warm instances, each after one invocation."""

    instances: int
    rss_bytes: int


# A journal ``invocation`` record's kinds, each the record of one measurement.
SAMPLE_KINDS: dict[str, type] = {"cold_start": ColdStart, "load": LoadRun, "memory": MemoryPoint}
Sample = ColdStart | LoadRun | MemoryPoint


@dataclass
class InvocationResult:
    """What ``wasmbench invoke`` measured of one pair served on one path (``warm`` or ``cold``)."""

    pair: Pair
    path: str
    cold_starts: list[ColdStart] = field(default_factory=list)
    loads: list[LoadRun] = field(default_factory=list)
    memory: list[MemoryPoint] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.pair.key}/{self.path}"

    def add(self, sample: Sample) -> None:
        {ColdStart: self.cold_starts, LoadRun: self.loads, MemoryPoint: self.memory}[type(sample)].append(
            sample
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, what: str = "an invocation result") -> InvocationResult:
        return typed(cls, data, what)


def sample_record(kind: str, data: Any, what: str) -> Sample:
    """A journal's ``invocation`` sample of ``kind``, checked; an unknown kind is damage."""
    if kind not in SAMPLE_KINDS:
        raise SchemaError(f"{what}: {kind!r} is not a kind of invocation sample")
    return typed(SAMPLE_KINDS[kind], data, what)


def sample_kind(sample: Sample) -> str:
    return next(kind for kind, cls in SAMPLE_KINDS.items() if isinstance(sample, cls))


@dataclass
class JournalHeader:
    """The first line of a journal: the suite as it was planned, so ``--resume`` continues it."""

    run_id: str
    started: str
    seed: int
    # the suite's ``SuiteOptions`` as stored (typed at the suite's boundary: ``Suite``)
    options: dict[str, Any]
    plan: list[str]
    skipped: list[Skip]
    toolchain: dict[str, Any]
    runtimes: dict[str, RuntimeInfo]
    machine_info: dict[str, Any]
    format_version: int = FORMAT_VERSION
    # ``invoke``: a ``wasmbench invoke`` journal, whose own settings (``serving.invoke``) are
    # ``settings``; a ``run`` journal (the default) leaves both out, keeping the shape it always had.
    benchmark: str = RUN
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> list[Pair]:
        return [Pair.from_key(key) for key in self.plan]

    def to_dict(self) -> dict[str, Any]:
        record = {**asdict(self), "skipped": [skip.to_dict() for skip in self.skipped]}
        if self.benchmark == RUN:
            del record["benchmark"], record["settings"]
        return record

    @classmethod
    def from_dict(cls, data: Any, what: str = "the journal header") -> JournalHeader:
        return typed(cls, upgrade(data), what)


@dataclass
class PairResult:
    """One pair of a result document: its runs (valid or not, one per round it took part in),
    what it ran with and why it stopped."""

    pair: Pair
    info: PairInfo | None
    runs: list[Measurement]
    stop_reason: str

    @property
    def has_valid_run(self) -> bool:
        return any(run.ok for run in self.runs)

    def status_counts(self) -> dict[str, int]:
        return {status.value: n for status in Status if (n := sum(run.status is status for run in self.runs))}

    def extra_info(self) -> dict[str, Any]:
        """The flat ``extra_info`` of the pair's pytest-benchmark entry."""
        return {
            **asdict(self.pair),
            **(asdict(self.info) if self.info else {}),
            "stop_reason": self.stop_reason,
            "status_counts": self.status_counts(),
            "runs": [run.to_dict() for run in self.runs],
        }

    def benchmark_entry(self, options: dict[str, Any]) -> dict[str, Any]:
        """The pair in pytest-benchmark's per-benchmark shape, ``stats`` over the valid runs only."""
        key = self.pair.key
        entry: dict[str, Any] = {
            "group": self.pair.group,
            "name": f"test_pair[{key}]",
            "fullname": f"benchmarks/test_suite.py::test_pair[{key}]",
            "params": {"pair": key},
            "param": key,
            "extra_info": self.extra_info(),
            "options": {
                "rounds": options.get("runs"),
                "warmup_rounds": options.get("warmup"),
                "iterations": 1,
                "timer": "wasmbench (the launcher's or the runtime's own clock: measured wall time)",
            },
        }
        valid = [run.usage.wall_ns / 1e9 for run in self.runs if run.ok]
        if valid:
            stats = Stats()
            for seconds in valid:
                stats.update(seconds)
            entry["stats"] = {**stats.as_dict(), "data": valid, "iterations": 1}
        return entry

    @classmethod
    def from_extra_info(cls, data: Any) -> PairResult:
        """The pair of an entry's ``extra_info``; a bad run is named by its pair and index."""
        pair = typed(Pair, data, "a pair")
        what = f"pair {pair.key}"
        runs = data.get("runs")
        if not isinstance(runs, list):
            raise SchemaError(f"{what}: its runs are not a list")
        ending = {"stop_reason": data["stop_reason"]} if "stop_reason" in data else {}
        result = typed(cls, {"pair": data, "info": None, "runs": [], **ending}, what)
        info_keys = {f.name for f in fields(PairInfo)}
        info = {key: value for key, value in data.items() if key in info_keys}
        result.info = PairInfo.from_dict(info, what) if info else None
        result.runs = [Measurement.from_dict(run, f"{what}, run {index}") for index, run in enumerate(runs)]
        return result


@dataclass
class ResultDocument:
    """A suite's result: every pair with a run, and what the suite was (options, host, versions).

    ``not_measured`` are the planned pairs without a run, ``unfinished`` those whose rounds stopped
    short (an interrupted suite); ``complete`` is a suite with none unfinished.
    """

    run_id: str
    seed: int | None
    # the suite's ``SuiteOptions`` as stored (typed at the suite's boundary: ``Suite``)
    options: dict[str, Any]
    machine_info: dict[str, Any]
    toolchain: dict[str, Any]
    runtimes: dict[str, RuntimeInfo]
    skipped: list[Skip]
    pairs: list[PairResult]
    not_measured: list[str]
    unfinished: list[str]
    version: str
    datetime: str
    commit_info: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # ``wasmbench invoke``'s measurements (an additive part: written only when there are some)
    invocations: list[InvocationResult] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unfinished

    @property
    def failed(self) -> list[PairResult]:
        """The pairs without a single valid run: kept out of pytest-benchmark's ``benchmarks``."""
        return [pair for pair in self.pairs if not pair.has_valid_run]

    @property
    def run_count(self) -> int:
        return sum(len(pair.runs) for pair in self.pairs)

    def to_dict(self) -> dict[str, Any]:
        """The result file: pytest-benchmark's layout, statistics over the valid runs only."""
        section = {
            "format_version": self.format_version,
            "version": self.version,
            "run_id": self.run_id,
            "seed": self.seed,
            "options": self.options,
            "toolchain": self.toolchain,
            "runtimes": {name: asdict(runtime) for name, runtime in self.runtimes.items()},
            "skipped": [skip.to_dict() for skip in self.skipped],
            "failed": [pair.benchmark_entry(self.options) for pair in self.failed],
            "not_measured": self.not_measured,
            "unfinished": self.unfinished,
            "complete": self.complete,
        }
        if self.invocations:
            section["invocations"] = [result.to_dict() for result in self.invocations]
        return {
            # what pytest-benchmark's readers look for first: the host, and what compiled and ran
            "machine_info": {
                **self.machine_info,
                "toolchain": self.toolchain,
                "runtimes": section["runtimes"],
            },
            "commit_info": self.commit_info,
            "benchmarks": [pair.benchmark_entry(self.options) for pair in self.pairs if pair.has_valid_run],
            "datetime": self.datetime,
            "version": self.version,
            "wasmbench": section,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ResultDocument:
        """A result document of any format, upgraded and checked field by field."""
        data = upgrade(data)
        section, machine = data["wasmbench"], data.get("machine_info", {})
        benchmarks, failed = data["benchmarks"], section.get("failed", [])
        if not isinstance(benchmarks, list) or not isinstance(failed, list):
            raise SchemaError("its benchmarks or failed pairs are not a list")
        entries = [*benchmarks, *failed]
        if not all(isinstance(entry, dict) and "extra_info" in entry for entry in entries):
            raise SchemaError("a benchmark entry has no extra_info")
        missing = [key for key in HOST_KEYS if key not in machine]
        if missing:
            raise SchemaError(f"machine_info lacks {', '.join(missing)}")
        left_out = ("failed", "complete", "invocations")
        summary = {key: value for key, value in section.items() if key not in left_out}
        # the file repeats the toolchain and runtimes in machine_info for pytest-benchmark's readers
        host = {key: value for key, value in machine.items() if key not in ("toolchain", "runtimes")}
        record = {**summary, "machine_info": host, "commit_info": data.get("commit_info", {})}
        record |= {"datetime": data.get("datetime", ""), "pairs": []}
        document = typed(cls, record, "the suite")
        document.pairs = [PairResult.from_extra_info(entry["extra_info"]) for entry in entries]
        invocations = section.get("invocations", [])
        if not isinstance(invocations, list):
            raise SchemaError("its invocations are not a list")
        document.invocations = [
            InvocationResult.from_dict(result, f"invocation result {index}")
            for index, result in enumerate(invocations)
        ]
        return document


def upgrade(data: Any) -> dict[str, Any]:
    """A result document or journal header of any format, in today's (``FORMAT_VERSION``).

    Version 1 (no ``format_version``) is everything written before the number. The first suites
    (written through pytest-benchmark) lacked ``machine_info.label``, may name the host as
    pytest-benchmark does (``node``, ``machine``, ``cpu``), and their result files lacked pairs'
    ``stop_reason`` and ``unfinished`` (then: the pairs without a run, ``not_measured``); later
    writers added those keys one by one. Options a header lacks take their defaults.
    """
    if not isinstance(data, dict):
        raise SchemaError("not a JSON object")
    result = "wasmbench" in data
    for part in ("wasmbench", "machine_info"):
        if not isinstance(data.get(part, {}), dict):
            raise SchemaError(f"its {part} is not a JSON object")
    version = (data["wasmbench"] if result else data).get("format_version", 1)
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise SchemaError(
            f"format version {version!r} is not one this wasmbench reads (1 to {FORMAT_VERSION}); "
            "a newer wasmbench wrote it"
        )
    if version == 1:
        data = {**data, "machine_info": _host_from_version_1(data.get("machine_info", {}))}
        data = _result_from_version_1(data) if result else data
    if result:
        return {**data, "wasmbench": {**data["wasmbench"], "format_version": FORMAT_VERSION}}
    return {**data, "format_version": FORMAT_VERSION}


def _host_from_version_1(machine: dict[str, Any]) -> dict[str, Any]:
    """``HOST_KEYS`` filled in from pytest-benchmark's names for them, where a file has only those."""
    cpu = machine.get("cpu") or {}
    hostname = machine.get("hostname") or machine.get("node") or "unknown"
    host = {
        "label": machine.get("label") or hostname,
        "hostname": hostname,
        "arch": machine.get("arch") or machine.get("machine") or "",
        "cpu_model": machine.get("cpu_model") or cpu.get("brand_raw", ""),
        "cores": machine.get("cores") or cpu.get("count"),
        "instance_type": machine.get("instance_type", ""),
    }
    return {**machine, **host}


def _result_from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    section = data["wasmbench"]

    def entry(old: Any) -> Any:
        info = old.get("extra_info") if isinstance(old, dict) else None
        return {**old, "extra_info": {"stop_reason": "", **info}} if isinstance(info, dict) else old

    return {
        **data,
        "benchmarks": [entry(old) for old in data.get("benchmarks", [])],
        "wasmbench": {
            **section,
            "unfinished": section.get("unfinished", section.get("not_measured", [])),
            "failed": [entry(old) for old in section.get("failed", [])],
        },
    }
