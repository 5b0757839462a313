"""The end-of-suite block on what the workloads printed: agreement by bytes, or by classes."""

from __future__ import annotations

from dataclasses import replace

from synthetic import HOST_X86, entry, run, suite_document

from wasmbench.build.checks import LABELS_ONLY
from wasmbench.reports.outputs import output_lines


def _printed(digest: str, summary: str):
    return [replace(run(1.0), stdout_sha256=digest, summary=summary) for _ in range(3)]


def test_a_labels_only_mode_is_said_to_match_by_its_classes_not_to_differ():
    native = entry("inference", "native", "default", _printed("aa" * 32, "cat 0.844747"))
    docker = entry("inference", "docker", "run", _printed("aa" * 32, "cat 0.844747"))
    nn = entry("inference", "wasmtime", "nn", _printed("bb" * 32, "cat 0.845044"))
    nn.info = replace(nn.info, variant="wasi-nn", validation=LABELS_ONLY)
    lines = output_lines([suite_document(HOST_X86, [native, docker, nn])])
    assert lines[0] == (
        "azure-d2 inference/default: identical stdout (sha256 aaaaaaaaaaaa…) in native, docker:run; "
        "classes match (labels-only check) in wasmtime:nn"
    )
    assert "differs" not in "\n".join(lines)


def test_byte_checked_modes_that_print_other_bytes_still_differ():
    native = entry("inference", "native", "default", _printed("aa" * 32, "cat"))
    other = entry("inference", "wasmtime", "aot", _printed("cc" * 32, "cat"))
    [first, *_] = output_lines([suite_document(HOST_X86, [native, other])])
    assert first.startswith(
        "azure-d2 inference/default: stdout differs: aaaaaaaaaaaa… in native; cccccccccccc…"
    )
