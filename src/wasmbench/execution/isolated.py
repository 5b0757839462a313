"""``python -m wasmbench.execution.isolated MODULE PACKAGE=FOLDER… -- ARGS…``: run ``MODULE`` as
``python -m MODULE ARGS…`` would, with each ``PACKAGE`` imported only from its ``FOLDER``.

A warm host of a runtime version installed side by side (``-r wasmtime:embedded@38.0.0``) must
load that version and never the harness's own, as the zygote does (``zygote.isolate``).
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Sequence

from wasmbench.execution.zygote import isolate


def main(argv: Sequence[str]) -> None:
    module, rest = argv[0], list(argv[1:])
    separator = rest.index("--")
    isolate(rest[:separator])
    sys.argv = [module, *rest[separator + 1 :]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
