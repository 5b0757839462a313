"""Result files as earlier wasmbench versions wrote them, literally (trimmed to one or two pairs):
each must still load, upgraded, in ``report`` and ``compare``."""

from __future__ import annotations

from typing import Any


def _run(wall_ns: int, **extra: Any) -> dict[str, Any]:
    return {
        "status": "ok",
        "wall_ns": wall_ns,
        "user_s": wall_ns / 1e9,
        "sys_s": 0.0,
        "max_rss_kib": 10,
        "exit_code": 0,
        "signal": None,
        "stdout_sha256": "ab" * 32,
        "stdout_bytes": 26,
        "phases_ns": {},
        "detail": "",
        **extra,
    }


_INFO = {
    "runtime_title": "native (zig cc)",
    "runtime_version": {"zig": "0.13.0"},
    "mode_flags": [],
    "args": ["1000"],
    "artefact": {"target": "native", "sha256": "cd" * 32, "flags": ["-O2"], "path": "/cache/nbody"},
    "compiler": {"compiler": "zig cc", "zig_version": "0.13.0", "clang_version": "18", "flags": ["-O2"]},
    "prepare_ns": None,
    "prepare_cached": False,
}

# The first suites (pytest-benchmark wrote the file): pytest-benchmark's machine_info keys, no
# label; runs without summary or round; no stop_reason; no ``unfinished``.
FOUNDATION = {
    "machine_info": {
        "node": "h1",
        "machine": "x86_64",
        "cpu": {"brand_raw": "cpu", "count": 2},
        "hostname": "h1",
        "arch": "x86_64",
        "cpu_model": "cpu",
        "cores": 2,
        "instance_type": "",
        "toolchain": {"compiler": "zig cc"},
        "runtimes": {"native": {"title": "native (zig cc)", "version": {"zig": "0.13.0"}}},
    },
    "commit_info": {},
    "benchmarks": [
        {
            "group": "nbody/test",
            "name": "test_pair[nbody/test/native/default]",
            "param": "nbody/test/native/default",
            "extra_info": {
                "workload": "nbody",
                "size": "test",
                "runtime": "native",
                "mode": "default",
                **_INFO,
                "status_counts": {"ok": 2},
                "runs": [_run(1_000_000_000), _run(2_000_000_000)],
            },
            "stats": {"mean": 1.5},
        }
    ],
    "datetime": "2026-11-25T14:00:00+00:00",
    "version": "0.1.0",
    "wasmbench": {
        "version": "0.1.0",
        "run_id": "foundation",
        "seed": 7,
        "options": {"workloads": [], "sizes": ["test"], "runtimes": [], "runs": 2, "warmup": 1},
        "toolchain": {"compiler": "zig cc"},
        "runtimes": {"native": {"title": "native (zig cc)", "version": {"zig": "0.13.0"}}},
        "skipped": [{"runtime": "docker", "mode": "run", "reason": "not installed", "hint": ""}],
        "failed": [],
        "not_measured": ["nbody/test/wasmtime/embedded"],
        "complete": False,
    },
}

# The measuring engine's files before the format number: interleaved rounds, label, stop_reason,
# ``unfinished``; a pair whose preparation failed has no info.
ENGINE = {
    "machine_info": {
        "label": "h1",
        "hostname": "h1",
        "arch": "x86_64",
        "cpu_model": "cpu",
        "cores": 2,
        "instance_type": "",
        "price": None,
        "toolchain": {"compiler": "zig cc"},
        "runtimes": {},
    },
    "commit_info": {},
    "benchmarks": [
        {
            "param": "nbody/test/native/default",
            "extra_info": {
                "workload": "nbody",
                "size": "test",
                "runtime": "native",
                "mode": "default",
                **_INFO,
                "stop_reason": "",
                "status_counts": {"ok": 2},
                "runs": [
                    _run(1_000_000_000, summary="", round=0, position=1, layout_padding=64),
                    _run(2_000_000_000, summary="", round=1, position=0, layout_padding=8),
                ],
            },
        }
    ],
    "datetime": "2026-11-29T15:30:00+00:00",
    "version": "0.1.0",
    "wasmbench": {
        "version": "0.1.0",
        "run_id": "engine",
        "seed": 7,
        "options": {"runs": 2, "warmup": 1, "schedule": "interleaved", "auto": False},
        "toolchain": {"compiler": "zig cc"},
        "runtimes": {},
        "skipped": [],
        "failed": [
            {
                "param": "nbody/test/wasmtime/aot",
                "extra_info": {
                    "workload": "nbody",
                    "size": "test",
                    "runtime": "wasmtime",
                    "mode": "aot",
                    "stop_reason": "prepare failed",
                    "status_counts": {"error": 1},
                    "runs": [
                        {
                            **_run(0, summary=""),
                            "status": "error",
                            "user_s": 0.0,
                            "max_rss_kib": 0,
                            "exit_code": None,
                            "stdout_sha256": "",
                            "stdout_bytes": 0,
                            "detail": "prepare failed: no compiler",
                        }
                    ],
                },
            }
        ],
        "not_measured": [],
        "unfinished": [],
        "complete": True,
    },
}

VERSIONS = {"foundation": FOUNDATION, "engine": ENGINE}

# A journal of the first suites: its header without format number or label, options of that time.
FOUNDATION_JOURNAL = [
    {
        "type": "suite",
        "format": "wasmbench-journal/1",
        "run_id": "foundation",
        "started": "2026-11-25T14:00:00+00:00",
        "seed": 7,
        "options": FOUNDATION["wasmbench"]["options"],
        "plan": ["nbody/test/native/default", "nbody/test/wasmtime/embedded"],
        "skipped": [],
        "toolchain": {"compiler": "zig cc"},
        "runtimes": {"native": {"title": "native (zig cc)", "version": {"zig": "0.13.0"}}},
        "machine_info": {
            "hostname": "h1",
            "arch": "x86_64",
            "cpu_model": "cpu",
            "cores": 2,
            "instance_type": "",
        },
    },
    {"type": "pair", "pair": "nbody/test/native/default", "info": _INFO},
    {"type": "run", "pair": "nbody/test/native/default", "measurement": _run(1_000_000_000)},
    {"type": "run", "pair": "nbody/test/native/default", "measurement": _run(2_000_000_000)},
    {"type": "done", "pair": "nbody/test/native/default", "reason": ""},
]
