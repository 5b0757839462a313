"""Input files a workload reads, made by the build step, cached, and staged into each run's workdir.

A workload whose manifest entry has an ``[inputs]`` builder (a ``module:function``) gets, per
size, a folder of files written by that function (e.g. model weights and images) plus, for a
reference-checked size, the reference its output is judged against. The folder is cached by the
content of everything that could change it, like the compiled programs. Before a run the files a
size lists are hard-linked (or copied, across file systems) into the run's working directory —
the program's only visible directory under WASI, which would not follow a symlink out of it.

A workload's variant (see ``manifest.Variant``) gets the size's inputs plus its own, made by its
own builder into a folder of their own (so a variant's extra packages are needed only by the
modes that run it), and is judged by its own check.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from wasmbench.build.cache import cache_dir, content_key
from wasmbench.build.checks import output_check
from wasmbench.build.manifest import InputBuilder, SizeSpec, Workload, workloads_dir
from wasmbench.errors import WasmbenchError
from wasmbench.extras import extra_providing, install_command
from wasmbench.measuring.measurement import OutputCheck


@dataclass(frozen=True)
class Inputs:
    """A size's input files (``folder``/``files``; a file may be an absolute path), a variant's own
    (``extra``, full paths), and the check its output must pass. Each is staged under its own name."""

    folder: Path | None
    files: tuple[str, ...]
    check: OutputCheck
    extra: tuple[Path, ...] = ()

    def stage(self, workdir: Path) -> None:
        """Put every input file into ``workdir``: a hard link when possible, else a copy."""
        sources = [self.folder / name for name in self.files]  # type: ignore[operator]
        for source in [*sources, *self.extra]:
            target = workdir / source.name
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)


class InputStore:
    """Builds (or finds in the cache) the inputs of (workload, size)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or cache_dir()) / "inputs"
        self._known: dict[tuple[str, str, str | None], Inputs] = {}

    def inputs(self, workload: Workload, size: str, variant: str | None = None) -> Inputs:
        """The inputs of ``workload`` (or its ``variant``) at ``size``, built on the first call (or
        found in the cache)."""
        key = (workload.name, size, variant)
        if key not in self._known:
            spec = workload.size(size)
            if workload.inputs:
                folder = self._build(workload, size, workload.inputs, spec)
            else:  # the files the size names, found in the workload's folder
                folder = workload.folder if spec.inputs else None
            inputs = Inputs(folder, spec.inputs, output_check(spec, folder))
            self._known[key] = self._with_variant(inputs, workload, size, variant) if variant else inputs
        return self._known[key]

    def _with_variant(self, inputs: Inputs, workload: Workload, size: str, name: str) -> Inputs:
        variant = workload.variant(name)
        spec = workload.size(size)
        extra: tuple[Path, ...] = ()
        if variant.builder is not None:
            own = replace(spec, inputs=variant.inputs)
            folder = self._build(workload, size, variant.builder, own, f"{workload.name}.{name}")
            extra = tuple(folder / file for file in variant.inputs)
        check = output_check(replace(spec, check=variant.check), inputs.folder) if variant.check else None
        return replace(inputs, extra=extra, check=check or inputs.check)

    def _build(
        self, workload: Workload, size: str, builder: InputBuilder, spec: SizeSpec, name: str = ""
    ) -> Path:
        """The cached folder of these inputs (``name``: the workload's, or its variant's), made by the
        builder on a miss. The builder is imported only to build: its packages (numpy, PIL, ...)
        would otherwise sit in the measuring process."""
        name = name or workload.name
        versions = _installed_versions(name, builder)
        key = content_key(
            name,
            size,
            json.dumps([spec.args, spec.inputs, spec.check, builder.function, versions]),
            *_folder_contents(_builder_folder(builder.function)),
            *_folder_contents(workload.folder or workloads_dir()),
        )
        folder = self.root / key[:20] / f"{name}-{size}"
        if folder.is_dir():
            return folder
        function = _resolve(builder.function)
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".partial-"))
        try:
            function(spec, partial)
            missing = [file for file in spec.inputs if not (partial / file).is_file()]
            if missing:
                raise WasmbenchError(f"{builder.function} did not write {', '.join(missing)}")
            os.replace(partial, folder)
        except (OSError, ValueError) as error:
            raise WasmbenchError(f"building the inputs of {name}/{size} failed: {error}") from error
        finally:
            shutil.rmtree(partial, ignore_errors=True)  # gone after the rename unless it failed
        return folder


def _installed_versions(workload: str, builder: InputBuilder) -> dict[str, str]:
    """The installed version of every package the builder requires; a missing one is a clear error."""
    versions = {}
    for text in builder.requires:
        try:
            requirement = Requirement(text)
            version = metadata.version(requirement.name)
        except (InvalidRequirement, metadata.PackageNotFoundError):
            version = None
        if version is None or version not in requirement.specifier:
            found = f"version {version} is installed" if version else "it is not installed"
            extra = extra_providing(requirement.name) if version is None else None
            command = install_command(extra) if extra else builder.install
            install = f"; install it with: {command}" if command else ""
            raise WasmbenchError(f"the {workload} workload's inputs need {text} ({found}){install}")
        versions[requirement.name] = version
    return versions


def _builder_folder(target: str) -> Path:
    """The folder of the builder's module, found without importing the module itself."""
    module = target.partition(":")[0]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as error:
        raise WasmbenchError(f"cannot load the input builder {target}: {error}") from error
    if spec is None or spec.origin is None:
        raise WasmbenchError(f"cannot load the input builder {target}: no module named {module!r}")
    return Path(spec.origin).parent


def _resolve(target: str):
    module, _, name = target.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise WasmbenchError(f"cannot load the input builder {target}: {error}") from error


def _folder_contents(folder: Path) -> list[bytes]:
    """Every file in ``folder`` (not in subfolders), name and bytes, in a stable order."""
    files = sorted(path for path in folder.iterdir() if path.is_file())
    return [part for path in files for part in (path.name.encode(), path.read_bytes())]
