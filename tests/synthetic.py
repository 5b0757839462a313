"""Result documents built in memory: hosts, runtimes and run times chosen by the test."""

from __future__ import annotations

from typing import Any

import numpy as np

HOST_X86 = {
    "hostname": "azure-d2",
    "arch": "x86_64",
    "cpu_model": "Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz",
    "cores": 2,
    "instance_type": "",
}
HOST_ARM = {
    "hostname": "aws-m6g",
    "arch": "aarch64",
    "cpu_model": "ARM implementer 0x41 part 0xd0c",
    "cores": 2,
    "instance_type": "m6g.large",
}


def run(wall_s: float, status: str = "ok", rss_kib: int = 2048, detail: str = "") -> dict[str, Any]:
    return {
        "status": status,
        "wall_ns": int(wall_s * 1e9),
        "user_s": wall_s,
        "sys_s": 0.0,
        "max_rss_kib": rss_kib,
        "exit_code": 0 if status == "ok" else 1,
        "signal": None,
        "stdout_sha256": "00",
        "stdout_bytes": 1,
        "phases_ns": {"execute": int(wall_s * 1e9)},
        "detail": detail,
    }


def entry(
    workload: str,
    runtime: str,
    mode: str,
    runs: list[dict[str, Any]],
    size: str = "default",
    prepare_ns: int | None = None,
) -> dict[str, Any]:
    return {
        "param": f"{workload}/{size}/{runtime}/{mode}",
        "extra_info": {
            "workload": workload,
            "size": size,
            "runtime": runtime,
            "mode": mode,
            "runtime_title": runtime,
            "prepare_ns": prepare_ns,
            "runs": runs,
        },
    }


def document(
    machine: dict[str, Any],
    means: dict[tuple[str, str, str], float],
    n: int = 8,
    noise: float = 0.01,
    seed: int = 0,
    run_id: str = "suite",
    skipped: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A result document with ``n`` runs per (workload, runtime, mode), normally spread around each mean."""
    rng = np.random.default_rng(seed)
    benchmarks, failed = [], []
    for (workload, runtime, mode), mean in means.items():
        times = rng.normal(mean, mean * noise, n)
        prepare = 50_000_000 if mode.endswith("aot") else None
        benchmarks.append(entry(workload, runtime, mode, [run(t) for t in times], prepare_ns=prepare))
    return {
        "machine_info": machine,
        "benchmarks": benchmarks,
        "wasmbench": {"run_id": run_id, "failed": failed, "skipped": skipped or []},
    }


TWO_RUNTIMES = {
    ("nbody", "native", "default"): 1.0,
    ("nbody", "wasmtime", "embedded"): 1.3,
    ("mandelbrot", "native", "default"): 2.0,
    ("mandelbrot", "wasmtime", "embedded"): 3.0,
    ("nop", "native", "default"): 0.002,
    ("nop", "wasmtime", "embedded"): 0.02,
}
