"""The prepare step every runner shares: a mode's compile step, timed once and cached.

A compiled artefact is kept under ``<cache>/prepared/`` keyed by the artefact, the runtime, its
version and the mode's flags, with the time the compile took beside it: a suite that finds it
reuses it and records that original time, so a cached preparation costs nothing and says so.
A compile step writes into a temporary file that is renamed when it is complete, so an
interrupted compile never leaves a file a later suite would take for a finished one.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from wasmbench.build.cache import content_key
from wasmbench.build.toolchain import Artefact
from wasmbench.runtimes.runner import Prepared, Runner

# Writes the prepared form of a source file (the artefact) to a destination path.
Compile = Callable[[Path, Path], None]


def prepared(
    runner: Runner,
    artefact: Artefact,
    mode: str,
    cache_root: Path,
    compile: Compile | None = None,
    suffix: str = ".prepared",
    flags: Sequence[str] | None = None,
) -> Prepared:
    """``artefact`` ready for ``runner``'s ``mode``: the artefact itself without a ``compile`` step,
    else its compiled form (``suffix``), timed and cached. ``flags``: the mode's options as the
    runtime takes them here (the declared ones by default)."""
    declaration = runner.declaration
    flags = tuple(declaration.mode(mode).flags if flags is None else flags)
    if compile is None:
        return Prepared(artefact, mode, artefact.path, flags=flags)
    key = content_key(artefact.sha256, declaration.name, mode, json.dumps(runner.version()), *flags)
    path = cache_root / "prepared" / key[:20] / f"{artefact.workload}{suffix}"
    timing = path.with_name(path.name + ".json")
    if path.exists() and timing.exists():
        prepare_ns = json.loads(timing.read_text())["prepare_ns"]
        return Prepared(artefact, mode, path, prepare_ns, cached=True, flags=flags)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    os.close(fd)
    start = time.perf_counter_ns()
    try:
        compile(artefact.path, Path(partial))
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    prepare_ns = time.perf_counter_ns() - start
    os.replace(partial, path)
    timing.write_text(json.dumps({"prepare_ns": prepare_ns}))
    return Prepared(artefact, mode, path, prepare_ns, flags=flags)
