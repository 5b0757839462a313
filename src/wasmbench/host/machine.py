"""A description of the host, recorded with every result so hosts are never mixed up."""

from __future__ import annotations

import os
import platform
import socket
from dataclasses import asdict
from pathlib import Path

from wasmbench.host.prices import environment_price
from wasmbench.provision.installed import archive_digests

DMI = Path("/sys/class/dmi/id")
# Vendors whose DMI product name is the instance type (e.g. "m6g.large").
INSTANCE_TYPE_VENDORS = ("Amazon EC2",)
# Names the host in results and reports instead of its hostname; ``fleet run`` sets it to the
# inventory name, so hosts are told apart by the name the user gave them.
HOST_LABEL_VARIABLE = "WASMBENCH_HOST_LABEL"


def machine_info() -> dict[str, object]:
    vendor, product = _read(DMI / "sys_vendor"), _read(DMI / "product_name")
    return {
        "label": host_label(),
        "hostname": socket.gethostname(),
        "arch": platform.machine(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_bytes(),
        "kernel": platform.release(),
        "os": _os_name(),
        "dmi_sys_vendor": vendor,
        "dmi_product_name": product,
        "instance_type": product if vendor in INSTANCE_TYPE_VENDORS else "",
        "python": platform.python_version(),
        # the instance's price per hour, when the fleet's inventory (or the user) gives one
        "price": asdict(price) if (price := environment_price()) else None,
        # What `setup runtimes` installed: each runtime's version and its archives' sha256, so two
        # hosts can be seen to have run the same runtime build.
        "runtime_archives": archive_digests(),
    }


def host_label() -> str:
    """``$WASMBENCH_HOST_LABEL``, else the hostname."""
    return os.environ.get(HOST_LABEL_VARIABLE) or socket.gethostname()


def cpu_model() -> str:
    """The CPU's marketing name (x86 ``model name``), or its ARM implementer/part codes."""
    fields = _cpuinfo()
    if "model name" in fields:
        return fields["model name"]
    if "CPU implementer" in fields:
        return f"ARM implementer {fields['CPU implementer']} part {fields.get('CPU part', '?')}"
    return platform.processor() or "unknown"


def cpu_flags() -> str:
    """The instruction-set extensions the kernel reports (x86 ``flags``, ARM ``Features``): what a
    build for this CPU may use, which a VM may show differently from the same CPU model elsewhere."""
    fields = _cpuinfo()
    return fields.get("flags") or fields.get("Features", "")


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo."""
    fields: dict[str, str] = {}
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    return fields


def _memory_bytes() -> int:
    for line in _read(Path("/proc/meminfo")).splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _os_name() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:
        return platform.platform()


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
