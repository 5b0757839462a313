"""Run the fleet playbook through ansible-runner and tell, per host, what happened.

Ansible does the SSH, the parallelism and the file transfers; this module turns its events into
one line of progress per host and task, and into a ``HostOutcome`` per host: the suite's exit
status and output when it ran, or why the host failed or could not be reached.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from wasmbench.fleet.inventory import ansible_command

PLAYBOOK = "suite.yml"
SUITE_TASK_PREFIX = "Run the suite"
SETUP_TASK_PREFIX = "Set up"
# How long Ansible lets a host's detached suite run: long enough for any suite.
ASYNC_LIMIT_S = 7 * 24 * 3600


@dataclass
class HostOutcome:
    """What happened on one host. ``failure`` is empty when the result file was fetched."""

    host: str
    failure: str = ""
    suite_exit: int | None = None
    suite_output: str = ""
    setup_output: str = ""


@dataclass(frozen=True)
class FleetPlay:
    """One playbook run: the hosts, what they install, which suite they run, where results go."""

    inventory: Path
    hosts: list[str]
    wheel: Path
    no_deps_packages: list[str]
    run_id: str
    suite_args: list[str]
    results: Path
    poll_s: int
    setup_args: list[str] | None = None  # ``setup runtimes`` arguments; None: no setup step

    def extravars(self) -> dict[str, Any]:
        return {
            "wasmbench_wheel": str(self.wheel.resolve()),
            "wasmbench_no_deps_packages": self.no_deps_packages,
            "wasmbench_run_id": self.run_id,
            "wasmbench_suite_args": self.suite_args,
            "wasmbench_results": str(self.results.resolve()),
            "wasmbench_poll": self.poll_s,
            "wasmbench_async_limit": ASYNC_LIMIT_S,
            "wasmbench_setup": self.setup_args is not None,
            "wasmbench_setup_args": self.setup_args or [],
        }

    def run(self) -> dict[str, HostOutcome]:
        """Run the playbook on ``hosts`` (in parallel), printing progress; every host gets an outcome."""
        import ansible_runner  # the fleet extra, which ``fleet run`` requires before it starts

        outcomes = {host: HostOutcome(host) for host in self.hosts}
        with (
            tempfile.TemporaryDirectory(prefix="wasmbench-fleet-") as private,
            resources.as_file(resources.files("wasmbench.fleet") / PLAYBOOK) as playbook,
        ):
            result = ansible_runner.run(
                private_data_dir=private,
                playbook=str(playbook),
                inventory=str(self.inventory.resolve()),
                limit=",".join(self.hosts),
                extravars=self.extravars(),
                forks=len(self.hosts),
                # ansible-runner starts ``ansible-playbook`` from PATH: the one beside this Python first.
                envvars={"PATH": _path_with(Path(ansible_command("ansible-playbook")).parent)},
                event_handler=lambda event: _on_event(event, outcomes),
                quiet=True,
            )
            ansible_output = result.stdout.read() if result.rc and result.stdout else ""
        for outcome in outcomes.values():
            fetched = (self.results / outcome.host / f"{self.run_id}.json").exists()
            if not fetched and not outcome.failure:
                outcome.failure = f"no result file was fetched (ansible-playbook exit status {result.rc})"
                if ansible_output:
                    outcome.failure += ": " + ansible_output.strip()[-300:]
        return outcomes


def _path_with(folder: Path) -> str:
    return os.pathsep.join([str(folder), os.environ.get("PATH", os.defpath)])


def _on_event(event: dict[str, Any], outcomes: dict[str, HostOutcome]) -> bool:
    data = event.get("event_data", {})
    host, task = data.get("host"), data.get("task", "")
    if host not in outcomes:
        return True
    outcome, kind, res = outcomes[host], event.get("event", ""), data.get("res") or {}
    if kind == "runner_on_start":
        print(f"{host}: {task.lower()}", file=sys.stderr, flush=True)
    elif kind in ("runner_on_ok", "runner_on_failed") and task.startswith(SUITE_TASK_PREFIX):
        outcome.suite_exit = res.get("rc")
        outcome.suite_output = "\n".join(filter(None, (res.get("stdout"), res.get("stderr"))))
    elif kind == "runner_on_ok" and task.startswith(SETUP_TASK_PREFIX):
        lines = filter(None, (outcome.setup_output, res.get("stdout"), res.get("stderr")))
        outcome.setup_output = "\n".join(lines)
    if kind == "runner_on_failed" and not data.get("ignore_errors"):
        outcome.failure = outcome.failure or f"{task.lower()} failed: {_reason(res)}"
    elif kind == "runner_on_unreachable":
        outcome.failure = outcome.failure or f"unreachable during {task.lower()}: {_reason(res)}"
    return True


def _reason(res: dict[str, Any]) -> str:
    """The most telling words Ansible gave: the command's last stderr line, else its message."""
    stderr = [line.strip() for line in str(res.get("stderr") or "").splitlines() if line.strip()]
    reason = stderr[-1] if stderr else " ".join(str(res.get("msg") or "no message").split())
    suffix = f" (exit status {res['rc']})" if isinstance(res.get("rc"), int) else ""
    return reason[:300] + suffix
