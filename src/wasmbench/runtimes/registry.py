"""Finding the installed runtimes, making one runner of each for a suite, and the selection.

Runners are discovered through the ``wasmbench.runners`` entry-point group. A suite creates one
runner per runtime (wrapped by ``EmulatedRunner`` under ``--emulate``) and closes them at its end.

The selection: no ``-r`` takes the default selection, one representative mode per runtime (its
``Declaration.representative``); ``-r NAME`` takes every mode of that runtime that is not opt-in;
``-r NAME:MODE`` that mode; ``--all-modes`` every mode of the runtimes selected. Where a wasm mode
has a SIMD twin (``MODE+simd``), the first two take the one in the selected wasm build
(``runner.SELECTED_WASM``); naming a mode takes that build, ``--all-modes`` both. Each may carry a
version (``-r wasmtime:embedded@38.0.0``, ``versions``): its modes are labelled ``MODE@VERSION`` and
run by a runner of their own at that version (``runner_for``).
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points

from wasmbench.errors import WasmbenchError
from wasmbench.provision.runtimes import SetupHook
from wasmbench.runtimes.emulation import EmulatedRunner, Emulation
from wasmbench.runtimes.runner import Declaration, Runner, availability_of
from wasmbench.runtimes.versions import parse_spec, runner_key, split_version, versioned

ENTRY_POINT_GROUP = "wasmbench.runners"


@functools.cache
def runner_classes() -> dict[str, type[Runner]]:
    """Every installed runner class, by runtime name, from the ``wasmbench.runners`` entry points."""
    classes: dict[str, type[Runner]] = {}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda entry: entry.name):
        runner_class = entry.load()
        classes[runner_class.declaration.name] = runner_class
    return classes


def declarations() -> dict[str, Declaration]:
    """Every installed runtime's declaration, by name."""
    return {name: runner_class.declaration for name, runner_class in runner_classes().items()}


def setup_hooks() -> dict[str, SetupHook]:
    """How ``setup runtimes`` installs each runtime that has something to install (its declaration's
    hook), by name: Docker's first, as it needs root."""
    hooks = {name: declaration.setup for name, declaration in declarations().items() if declaration.setup}
    return dict(sorted(hooks.items(), key=lambda item: item[0] != "docker"))


def create_runners(emulation: Emulation | None = None) -> dict[str, Runner]:
    """One new runner of every installed runtime, by name, under ``emulation`` when given: a suite's
    runners are its own, and it closes them."""
    if emulation is None:
        return {name: runner_class() for name, runner_class in runner_classes().items()}
    return {
        name: EmulatedRunner.of(runner_class, emulation) for name, runner_class in runner_classes().items()
    }


def select(
    specs: list[str], runners: dict[str, Runner], all_modes: bool = False, serving: bool = False
) -> list[tuple[str, str]]:
    """The (runtime, mode label) pairs ``specs`` (``-r`` values) name, in order; without specs the
    default selection. Unknown runtimes or modes, and malformed versions, are errors that say which.

    ``serving`` (``wasmbench invoke``): a runtime named alone, and the default selection, take the
    runtime's ``serving_modes`` rather than its every regular mode — each mode served costs
    minutes of cold starts and load, and a platform chooses between a runtime's cold default
    and its warm host, not between all its compilers."""
    chosen_modes = serving_modes if serving else None
    if not specs:
        if all_modes:
            return [
                (name, mode) for name, runner in runners.items() for mode in runner.declaration.mode_names
            ]
        choose = chosen_modes or representative
        return [(name, mode) for name, runner in runners.items() for mode in choose(runner)]
    selected = []
    for spec in specs:
        name, mode, version = parse_spec(spec)
        if name not in runners:
            raise WasmbenchError(f"unknown runtime {name!r} (known: {', '.join(runners)})")
        declaration = runners[name].declaration
        if mode:
            modes = [declaration.mode(mode).name]
        elif all_modes:
            modes = list(declaration.mode_names)
        else:
            modes = chosen_modes(runners[name]) if chosen_modes else declaration.regular_modes()
        selected += [(name, versioned(chosen, version)) for chosen in modes]
    return list(dict.fromkeys(selected))


def serving_modes(runner: Runner) -> list[str]:
    """The modes a served runtime is measured in: its default selection's, and, when none of them
    has a warm host, its first regular mode (in the selected wasm build) that has one (wasmtime:
    ``aot+simd``, ``nn+simd`` and ``embedded+simd``; Docker: ``run`` and ``exec``)."""
    declaration = runner.declaration
    modes = representative(runner)
    if not any(declaration.mode(name).warm for name in modes):
        modes += [name for name in declaration.regular_modes() if declaration.mode(name).warm][:1]
    return modes


def runner_for(runners: dict[str, Runner], runtime: str, mode: str) -> Runner:
    """The runner of ``runtime`` that runs the mode labelled ``mode``: for a mode at a version, a
    runner at that version, made on first use and kept in ``runners`` (which the suite closes)."""
    version = split_version(mode)[1]
    if version is None:
        return runners[runtime]
    key = runner_key(runtime, version)
    if key not in runners:
        runners[key] = runners[runtime].versioned(version)
    return runners[key]


def representative(runner: Runner) -> list[str]:
    """The runtime's modes in the default selection: of each entry of its declaration's
    ``representative``, the first mode available here (the first one when none is, so that the
    suite says why it is skipped)."""
    chosen = []
    for choice in runner.declaration.choices():
        available = (mode for mode in choice if len(choice) == 1 or availability_of(runner, mode).available)
        chosen.append(next(available, choice[0]))
    return chosen
