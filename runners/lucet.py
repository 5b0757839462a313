"""Lucet, listed as retired: its project ended in 2022 and its work continues in wasmtime.

Lucet compiled a module ahead of time to a shared object (``lucetc``) and ran it (``lucet-wasi``).
It is kept in the list, never available, so that anyone looking for it learns why it is not
measured and where to look instead; there is nothing to run.
"""

from __future__ import annotations

from wasmbench.errors import WasmbenchError
from wasmbench.runtimes.runner import (
    Availability,
    Declaration,
    Invocation,
    Mode,
    Prepared,
    Runner,
    RunOutcome,
)

RETIREMENT = (
    "retired upstream: the Lucet project ended in 2022 and was merged into wasmtime "
    "(measure -r wasmtime instead)"
)


class LucetRunner(Runner):
    declaration = Declaration(
        name="lucet", title="Lucet (retired)", modes=(Mode("aot"),), representative=("aot",)
    )

    def availability(self, mode: str) -> Availability:
        return Availability.retired_upstream(RETIREMENT)

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        raise WasmbenchError(f"lucet cannot run: {RETIREMENT}")
