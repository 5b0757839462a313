"""The hosts of an Ansible inventory, read by Ansible itself (any format Ansible reads)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from wasmbench.errors import WasmbenchError
from wasmbench.extras import install_command


def ansible_command(name: str) -> str:
    """An Ansible program (``ansible-playbook``…), beside this Python's or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise WasmbenchError(f"{name} is missing: install Ansible with `{install_command('fleet')}`")
    return found


def inventory_hosts(inventory: Path) -> list[str]:
    """Every host in the inventory, in its order; an inventory without hosts is an error."""
    if not inventory.exists():
        raise WasmbenchError(f"inventory {inventory} does not exist")
    command = [ansible_command("ansible-inventory"), "-i", str(inventory), "--list"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise WasmbenchError(f"ansible-inventory cannot read {inventory}: {result.stderr.strip()[-500:]}")
    hosts = group_hosts(json.loads(result.stdout), "all")
    if not hosts:
        detail = result.stderr.strip().splitlines()
        raise WasmbenchError(f"no hosts in inventory {inventory}" + (f" ({detail[0]})" if detail else ""))
    return hosts


def group_hosts(listing: dict, group: str) -> list[str]:
    """The hosts of ``group`` and of its children, depth first, each once."""
    entry = listing.get(group, {})
    hosts = list(entry.get("hosts", []))
    for child in entry.get("children", []):
        hosts += group_hosts(listing, child)
    return list(dict.fromkeys(hosts))
