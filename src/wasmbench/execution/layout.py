"""Layout randomization: a padding environment variable of random length for every run.

The size of a process's environment moves its initial stack, and with it the alignment of
everything the program puts there; Mytkowicz et al. ("Producing wrong data without doing anything
obviously wrong!", ASPLOS 2009) measured such effects shifting results by several per cent, and here
``hyperfine -N`` timed native fannkuch-redux 7 % faster with an empty environment than with an
inherited one. Rather than fixing one accidental layout, each run gets a padding of random length,
so the effect shows as measured variance instead of a hidden bias. Runtimes pass no host variable
on to their wasm modules, so a module still sees no environment.
"""

from __future__ import annotations

import random

PADDING_VARIABLE = "WASMBENCH_LAYOUT_PADDING"
MAX_PADDING = 4096


def random_padding(rng: random.Random) -> int:
    """A padding length, 0 to 4096 bytes."""
    return rng.randint(0, MAX_PADDING)


def layout_environment(padding: int | None) -> dict[str, str]:
    """The environment of a run with ``padding`` bytes of padding (none without padding)."""
    return {PADDING_VARIABLE: "x" * padding} if padding else {}
