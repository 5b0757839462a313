"""wasmbench's optional parts, and the one line that says how to get one that is missing.

The measuring core and the reports install by default. pyproject.toml declares the rest as extras:
``inference`` (OpenVINO and the image libraries: the inference workload's inputs, wasmtime:nn),
``fleet`` (Ansible: ``fleet run``) and ``docker`` (the Docker SDK: the docker runtime); ``all``
brings every one. A feature checks its extra where it starts (``require``), so that a missing one
is a line naming the ``pip install`` that brings it, not an ``ImportError`` deep inside.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from wasmbench.errors import WasmbenchError

DISTRIBUTION = "wasmbench"


class MissingExtra(WasmbenchError):
    """An extra whose module is not installed: ``reason`` says which, ``install`` how to get it."""

    def __init__(self, extra: str, module: str) -> None:
        self.reason = f"the {extra} extra is not installed (no module {module})"
        self.install = install_command(extra)
        super().__init__(f"{self.reason}: {self.install}")


def install_command(extra: str) -> str:
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def require(extra: str, *modules: str) -> None:
    """Raise ``MissingExtra`` unless every one of ``modules`` (top-level names) can be imported.

    Only looks for them: the feature imports what it uses when it uses it, so that nothing of an
    extra sits in the measuring process before it is needed.
    """
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise MissingExtra(extra, module)


def extra_providing(distribution: str) -> str | None:
    """The extra that brings ``distribution``, as the installed wasmbench's metadata declares it."""
    wanted = canonicalize_name(distribution)
    extras = metadata.metadata(DISTRIBUTION).get_all("Provides-Extra") or []
    for text in metadata.requires(DISTRIBUTION) or []:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) != wanted or requirement.marker is None:
            continue
        for extra in extras:
            if requirement.marker.evaluate({"extra": extra}):
                return extra
    return None
