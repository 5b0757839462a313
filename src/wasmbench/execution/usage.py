"""What one run cost, as the kernel (or a container's cgroup) counted it.

One record for every layer that passes these figures on — the process that was measured, what a
runner observed, the validated measurement — so that a new figure is added in one place and the
layers cannot drift apart.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Usage:
    """Wall time, CPU time and peak resident memory of one run."""

    wall_ns: int
    user_s: float
    sys_s: float
    max_rss_kib: int

    @classmethod
    def zero(cls) -> Usage:
        """The usage of a run that never started (a runtime that failed, a prepare step that did)."""
        return cls(0, 0.0, 0.0, 0)

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)
