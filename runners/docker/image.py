"""The images the Docker modes run: built locally (no registry), once per artefact.

An image holds the byte-identical artefact the native runner measures plus exactly what it needs
to start — the dynamic loader and the libraries ``ldd`` names, copied from this host, so the
container runs the same glibc as the native run — and the pause program ``exec`` containers idle
in. It is tagged ``wasmbench/<workload>:<content hash>`` and labelled ``wasmbench=1``: built once,
reused by every suite, removed by ``wasmbench clean``.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from wasmbench.build.cache import content_key, file_sha256
from wasmbench.build.toolchain import Artefact, Toolchain, helper_program, is_wasm
from wasmbench.errors import WasmbenchError
from wasmbench.runners.docker.engine import cause

LABEL = "wasmbench"
PAUSE = "/wasmbench-pause"
# Idles in exec containers: scratch images have no sleep.
PAUSE_PROGRAM = helper_program(Path(__file__).with_name("docker_pause.c"))


def ensure_image(client: Any, artefact: Artefact) -> tuple[str, bool]:
    """The artefact's image tag, built unless it exists; True when it had to be built."""
    import docker

    files, entrypoint = image_files(artefact)
    dockerfile = f'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["{entrypoint}"]\n'
    key = content_key(dockerfile, *(f"{inside}={file_sha256(host)}" for inside, host in files.items()))
    tag = f"wasmbench/{artefact.workload}:{key[:16]}"
    try:
        client.images.get(tag)
        return tag, False
    except docker.errors.ImageNotFound:
        pass
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile_info = tarfile.TarInfo("Dockerfile")
        dockerfile_info.size = len(dockerfile)
        tar.addfile(dockerfile_info, io.BytesIO(dockerfile.encode()))
        for inside, host in files.items():
            tar.add(host.resolve(), arcname=f"rootfs{inside}")
    context.seek(0)
    labels = {LABEL: "1", f"{LABEL}.workload": artefact.workload, f"{LABEL}.artefact": artefact.sha256}
    client.images.build(fileobj=context, custom_context=True, tag=tag, labels=labels, rm=True, forcerm=True)
    return tag, True


def image_files(artefact: Artefact) -> tuple[dict[str, Path], str]:
    """What goes into the image (path inside -> file on this host) and its entrypoint."""
    program = f"/{artefact.path.name}"
    if is_wasm(artefact.target):
        return {program: artefact.path}, program
    pause = Toolchain().build(PAUSE_PROGRAM, artefact.target).path
    files = {program: artefact.path, PAUSE: pause}
    for binary in (artefact.path, pause):
        files.update({str(library): library for library in shared_libraries(binary)})
    return files, program


def remove_images(client: Any) -> list[str]:
    """Remove every image labelled ours; an image a running suite uses stays (and says why)."""
    import docker

    removed = []
    for image in client.images.list(filters={"label": f"{LABEL}=1"}):
        for tag in image.tags or [image.id]:
            try:
                client.images.remove(tag, force=False)
                removed.append(tag)
            except docker.errors.APIError as error:
                removed.append(f"{tag} kept: {cause(error)}")
    return removed


def shared_libraries(binary: Path) -> list[Path]:
    """The dynamic loader and libraries ``binary`` loads, as ``ldd`` names them; none if static."""
    result = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if result.returncode != 0:
        if "not a dynamic executable" in result.stderr + result.stdout:
            return []
        raise WasmbenchError(f"ldd {binary} failed: {result.stderr.strip()}")
    libraries = []
    for line in result.stdout.splitlines():
        words = line.replace("=>", " ").split()
        libraries += [Path(word) for word in words if word.startswith("/")]
    return libraries
