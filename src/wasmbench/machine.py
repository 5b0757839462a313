"""A description of the host, recorded with every result so hosts are never mixed up."""

from __future__ import annotations

import os
import platform
import socket
from pathlib import Path

DMI = Path("/sys/class/dmi/id")
# Vendors whose DMI product name is the instance type (e.g. "m6g.large").
INSTANCE_TYPE_VENDORS = ("Amazon EC2",)


def machine_info() -> dict[str, object]:
    vendor, product = _read(DMI / "sys_vendor"), _read(DMI / "product_name")
    return {
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
    }


def cpu_model() -> str:
    """The CPU's marketing name (x86 ``model name``), or its ARM implementer/part codes."""
    fields: dict[str, str] = {}
    for line in _read(Path("/proc/cpuinfo")).splitlines():
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    if "model name" in fields:
        return fields["model name"]
    if "CPU implementer" in fields:
        return f"ARM implementer {fields['CPU implementer']} part {fields.get('CPU part', '?')}"
    return platform.processor() or "unknown"


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
