"""``setup runtimes``: every runtime this host can have, each on its own — one that cannot be had
(offline, no build for this architecture, not root) or fails never stops the others.

How a runtime is installed is the ``setup`` hook of its declaration (``runtimes.runner``): most
take ``catalog_release``, the pinned release of ``runtimes.toml``; Docker and Node.js have hooks of
their own beside their runners. This module only calls the hooks it is given, so it knows no
runtime by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wasmbench.errors import WasmbenchError
from wasmbench.provision.catalog import load_catalog
from wasmbench.provision.install import Outcome, install_release


@dataclass(frozen=True)
class SetupRequest:
    """What ``setup runtimes`` asks a runtime's setup hook: install ``name`` (from ``mirror`` when
    given); ``system_only``: only what needs root (a fleet runs that part with Ansible's become)."""

    name: str
    mirror: str | None = None
    system_only: bool = False


# How a runtime is installed; None when there was nothing to do in this part (e.g. system_only).
SetupHook = Callable[[SetupRequest], Outcome | None]


def setup_runtimes(
    hooks: Mapping[str, SetupHook], names: list[str], mirror: str | None, system_only: bool = False
) -> list[Outcome]:
    """Install ``names`` (all when empty) with their ``hooks``. ``system_only``: only what needs root
    (a fleet runs that part with Ansible's ``become`` and the rest as the user who runs the suites)."""
    unknown = [name for name in names if name not in hooks]
    if unknown:
        raise WasmbenchError(f"setup runtimes knows no {', '.join(unknown)} (known: {', '.join(hooks)})")
    outcomes = []
    for name in names or hooks:
        outcome = hooks[name](SetupRequest(name, mirror, system_only))
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def catalog_release(request: SetupRequest) -> Outcome | None:
    """The setup hook of a runtime whose pinned release is in the catalog, named as the runtime: it
    needs no root, so a ``system_only`` setup leaves it."""
    if request.system_only:
        return None
    release = load_catalog().get(request.name)
    if release is None:
        return Outcome(request.name, "skipped", f"the runtime catalog pins no {request.name} release")
    return install_release(release, request.mirror)
