"""A warm host for the channel's tests: echoes its stdin upper-cased after the number of
invocations it has served, and misbehaves on request (``hang``, ``die``, ``raise``)."""

import os
import sys
import time
from pathlib import Path

from wasmbench.serving.host_loop import serve


def load():
    if "--fail-to-load" in sys.argv:
        raise RuntimeError("no such module")
    served = 0

    def invoke(request: dict) -> dict:
        nonlocal served
        served += 1
        command = request["args"][0] if request["args"] else ""
        if command == "hang":
            time.sleep(3600)
        if command == "die":
            os._exit(3)
        if command == "raise":
            raise ValueError("bad request")
        body = Path(request["stdin"]).read_bytes() if request["stdin"] else b""
        Path(request["stdout"]).write_bytes(b"%d " % served + body.upper())
        return {"exit_code": 0, "phases_ns": {"execute": 1}}

    return invoke


serve(load)
