"""Result documents built in memory through the schema's records: hosts, runtimes and run times
chosen by the test."""

from __future__ import annotations

from typing import Any

import numpy as np

from wasmbench.execution.usage import Usage
from wasmbench.store.schema import (
    Artefact,
    JournalHeader,
    Measurement,
    Pair,
    PairInfo,
    PairResult,
    ResultDocument,
    Skip,
    Status,
)

HOST_X86 = {
    "label": "azure-d2",
    "hostname": "azure-d2",
    "arch": "x86_64",
    "cpu_model": "Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz",
    "cores": 2,
    "instance_type": "",
}
HOST_ARM = {
    "label": "aws-m6g",
    "hostname": "aws-m6g",
    "arch": "aarch64",
    "cpu_model": "ARM implementer 0x41 part 0xd0c",
    "cores": 2,
    "instance_type": "m6g.large",
}


def run(
    wall_s: float, status: str = "ok", rss_kib: int = 2048, detail: str = "", round: int | None = None
) -> Measurement:
    return Measurement(
        status=Status(status),
        usage=Usage(int(wall_s * 1e9), wall_s, 0.0, rss_kib),
        exit_code=0 if status == "ok" else 1,
        signal=None,
        stdout_sha256="00",
        stdout_bytes=1,
        phases_ns={"execute": int(wall_s * 1e9)},
        detail=detail,
        round=round,
    )


def pair_info(runtime: str, prepare_ns: int | None = None, **variant: str) -> PairInfo:
    """What a pair ran with: the runtime's name as its title, a native artefact."""
    return PairInfo(
        runtime_title=runtime,
        runtime_version={runtime: "1.0"},
        mode_flags=[],
        args=[],
        artefact=Artefact("native", "00", [], "/cache/program"),
        compiler={"compiler": "zig cc"},
        prepare_ns=prepare_ns,
        prepare_cached=False,
        **variant,
    )


def entry(
    workload: str,
    runtime: str,
    mode: str,
    runs: list[Measurement],
    size: str = "default",
    prepare_ns: int | None = None,
) -> PairResult:
    return PairResult(Pair(workload, size, runtime, mode), pair_info(runtime, prepare_ns), runs, "")


def document(
    machine: dict[str, Any],
    means: dict[tuple[str, str, str], float],
    n: int = 8,
    noise: float = 0.01,
    seed: int = 0,
    run_id: str = "suite",
    skipped: list[Skip] | None = None,
    rss_kib: int = 2048,
) -> ResultDocument:
    """A result document with ``n`` runs per (workload, runtime, mode), normally spread around each mean."""
    rng = np.random.default_rng(seed)
    pairs = []
    for (workload, runtime, mode), mean in means.items():
        times = rng.normal(mean, mean * noise, n)
        prepare = 50_000_000 if mode.endswith("aot") else None
        pairs.append(
            entry(workload, runtime, mode, [run(t, rss_kib=rss_kib) for t in times], prepare_ns=prepare)
        )
    return suite_document(machine, pairs, run_id, skipped)


def suite_document(
    machine: dict[str, Any],
    pairs: list[PairResult],
    run_id: str = "suite",
    skipped: list[Skip] | None = None,
    unfinished: list[str] | None = None,
) -> ResultDocument:
    """A whole suite's document around ``pairs``."""
    return ResultDocument(
        run_id=run_id,
        seed=0,
        options={"runs": 5, "warmup": 1},
        machine_info=machine,
        toolchain={"compiler": "zig cc"},
        runtimes={},
        skipped=skipped or [],
        pairs=pairs,
        not_measured=[],
        unfinished=unfinished or [],
        version="0.1.0",
        datetime="2026-12-06T00:00:00+00:00",
    )


def header(plan: list[str], **options: Any) -> JournalHeader:
    """A journal header planning ``plan`` on this machine, with ``options`` as the suite's."""
    return JournalHeader(
        run_id="suite",
        started="2026-12-06T00:00:00+00:00",
        seed=0,
        options=options,
        plan=plan,
        skipped=[],
        toolchain={"compiler": "zig cc"},
        runtimes={},
        machine_info=HOST_X86,
    )


TWO_RUNTIMES = {
    ("nbody", "native", "default"): 1.0,
    ("nbody", "wasmtime", "embedded"): 1.3,
    ("mandelbrot", "native", "default"): 2.0,
    ("mandelbrot", "wasmtime", "embedded"): 3.0,
    ("nop", "native", "default"): 0.002,
    ("nop", "wasmtime", "embedded"): 0.02,
}
