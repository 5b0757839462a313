"""SSH "hosts" on this machine for the fleet tests: an sshd per loopback address, a throwaway key.

Each host is Debian's OpenSSH server with a private config (its own host key, port and
authorized key) started in the foreground (``-D``) in the background; ``stop`` kills it and every
session it started, as if the host went away.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def ssh_missing_reason() -> str:
    """Why SSH hosts cannot be made here, or "" when they can."""
    for program in (SSHD, "ssh-keygen", "ssh"):
        if shutil.which(program) is None:
            return f"{program} is missing (Debian: apt-get install openssh-server openssh-client)"
    return ""


def make_key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


@dataclass
class SshHost:
    name: str
    address: str
    folder: Path
    client_key: Path
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        host_key = self.folder / "ssh_host_ed25519_key"
        if not host_key.exists():
            make_key(self.folder, host_key.name)
        authorized = self.folder / "authorized_keys"
        authorized.write_text(self.client_key.with_suffix(".pub").read_text())
        self.port = self.port or free_port(self.address)
        config = self.folder / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"ListenAddress {self.address}:{self.port}",
                    f"HostKey {host_key}",
                    f"AuthorizedKeysFile {authorized}",
                    f"AllowUsers {getpass.getuser()}",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "PidFile none",
                    "MaxSessions 50",
                    "MaxStartups 50",
                    "LogLevel ERROR",
                    "",
                ]
            )
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
        log = (self.folder / "sshd.log").open("a")
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)], stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex((self.address, self.port)) == 0:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"sshd for {self.name} did not start: {(self.folder / 'sshd.log').read_text()}")

    def stop(self) -> None:
        """Kill sshd and its sessions: every connection drops, as when the host goes away.

        What the sessions were running is left to end on its own (a shell killed half-way through
        its start-up files could leave their locks behind, e.g. pyenv's rehash lock).
        """
        if self.process is None:
            return
        for pid in [*descendants(self.process.pid), self.process.pid]:
            if _command_name(pid) == "sshd":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def inventory_entry(self, wasmbench_dir: Path) -> dict[str, object]:
        return {"ansible_host": self.address, "ansible_port": self.port, "wasmbench_dir": str(wasmbench_dir)}


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def inventory(hosts: dict[str, dict[str, object]], key: Path, groups: dict[str, list[str]]) -> dict:
    """A YAML-ready Ansible inventory: ``groups`` of ``hosts``, all reached with ``key``."""
    return {
        "all": {
            "vars": {
                "ansible_user": getpass.getuser(),
                "ansible_ssh_private_key_file": str(key),
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                # the tests' own Python (no interpreter discovery): Ansible's, and the hosts' venvs'
                "ansible_python_interpreter": BASE_PYTHON,
                "wasmbench_python": BASE_PYTHON,
            },
            "children": {
                group: {"hosts": {name: hosts[name] for name in names}} for group, names in groups.items()
            },
        }
    }
