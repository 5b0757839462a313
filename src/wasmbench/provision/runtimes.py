"""``setup runtimes``: every runtime this host can have, each on its own — one that cannot be had
(offline, no build for this architecture, not root) or fails never stops the others."""

from __future__ import annotations

from collections.abc import Callable

from wasmbench.errors import WasmbenchError
from wasmbench.provision import system
from wasmbench.provision.catalog import load_catalog
from wasmbench.provision.install import Outcome, install_release

DOCKER = "docker"
NODE = "node"


def installable() -> list[str]:
    """The names ``setup runtimes`` knows: Docker, then every runtime of the catalog."""
    return [DOCKER, *load_catalog()]


def setup_runtimes(names: list[str], mirror: str | None, system_only: bool = False) -> list[Outcome]:
    """Install ``names`` (all when empty). ``system_only``: only what needs root (a fleet runs that
    part with Ansible's ``become`` and the rest as the user who runs the suites)."""
    known = installable()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise WasmbenchError(f"setup runtimes knows no {', '.join(unknown)} (known: {', '.join(known)})")
    steps: dict[str, Callable[[], Outcome | None]] = {
        DOCKER: system.docker_engine,
        NODE: lambda: _node(mirror, system_only),
    }
    outcomes = []
    for name in names or known:
        if name in steps:
            outcome = steps[name]()
        else:
            outcome = None if system_only else install_release(load_catalog()[name], mirror)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _node(mirror: str | None, system_only: bool) -> Outcome | None:
    """Node.js >= 20: one already here, else the distribution's (as root, where new enough), else
    Node's official release archive."""
    from wasmbench.runners.node import OLDEST_NODE, NodeRunner

    runner = NodeRunner()
    if runner.availability().available:
        return Outcome(NODE, "present", f"node {runner.version()['node']} ({runner.origin('default')})")
    from_distribution = system.distribution_node(OLDEST_NODE)
    if from_distribution is not None or system_only:
        return from_distribution
    return install_release(load_catalog()[NODE], mirror)
