"""Serving a prepared module warm or cold (``serving.paths``)."""

from __future__ import annotations

import pytest

from wasmbench.build.toolchain import Artefact
from wasmbench.errors import WasmbenchError
from wasmbench.execution.usage import Usage
from wasmbench.runtimes.runner import NATIVE, Declaration, Invocation, Mode, Prepared, Runner, RunOutcome
from wasmbench.serving.paths import COLD, WARM, ColdModule, can_serve_warm, served_module


class Stdin(Runner):
    """Runs a program by copying its stdin to its stdout; ``held`` is its warm mode."""

    declaration = Declaration("stdin", "stdin", (Mode("plain", NATIVE), Mode("held", NATIVE, warm=True)))

    def run(self, prepared: Prepared, invocation: Invocation) -> RunOutcome:
        invocation.stdout.write_bytes(invocation.stdin.read_bytes() if invocation.stdin else b"")
        return RunOutcome(Usage(1000, 0.0, 0.0, 1024))


class HeldStdin(Stdin):
    def serve(self, prepared: Prepared) -> ColdModule:
        return ColdModule(self, prepared)


@pytest.fixture
def prepared(tmp_path):
    artefact = Artefact("program", "x86_64-linux", tmp_path / "program", "a" * 64, ("-O2",), cached=False)
    return Prepared(artefact, "held", artefact.path)


def test_the_cold_path_is_the_runner_s_own_run_with_the_body_as_stdin(prepared, tmp_path):
    (tmp_path / "body").write_bytes(b"request")
    served = served_module(Stdin(), Stdin.declaration.mode("plain"), prepared, COLD)
    invocation = Invocation((), tmp_path, tmp_path / "out", tmp_path / "err", 1.0, stdin=tmp_path / "body")
    assert served.invoke(invocation).exit_code == 0
    assert (tmp_path / "out").read_bytes() == b"request"
    assert served.pids() == []


def test_the_warm_path_needs_a_warm_host_declaring_the_mode(prepared):
    held, plain = Stdin.declaration.mode("held"), Stdin.declaration.mode("plain")
    assert can_serve_warm(HeldStdin(), held)
    assert not can_serve_warm(HeldStdin(), plain), "the mode is not declared warm"
    assert not can_serve_warm(Stdin(), held), "the runner is no WarmHost"
    assert isinstance(served_module(HeldStdin(), held, prepared, WARM), ColdModule)
    with pytest.raises(WasmbenchError, match="held has no warm host"):
        served_module(Stdin(), held, prepared, WARM)
