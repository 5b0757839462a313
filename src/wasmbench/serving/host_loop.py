"""The host's side of the warm-host wire protocol (``channel``), for hosts written in Python.

It imports only the standard library, so a host process (``python -m …`` of a runner's host
module, which imports its runtime's package) stays as small as the runtime lets it: its resident
memory is the runtime's and the module's, which is what a warm instance costs.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable
from typing import BinaryIO

# The host reads requests on this descriptor and writes answers on that one; stdout and stderr
# are left to the runtime (and whatever the module prints outside its WASI files).
REQUEST_FD, ANSWER_FD = 3, 4

Request = dict
Answer = dict


def serve(load: Callable[[], Callable[[Request], Answer]]) -> None:
    """Be a warm host: ``load()`` loads the runtime and the module once and returns the function
    that runs one request in a fresh instance; then answer requests until the harness closes the
    pipe (or dies). An exception in one invocation is that invocation's error, not the host's end.
    """
    requests = os.fdopen(REQUEST_FD, "rb")
    answers = os.fdopen(ANSWER_FD, "wb", buffering=0)
    try:
        invoke = load()
    except Exception as error:  # the harness reports it as why the host did not start
        _write(answers, {"ready": False, "error": f"{type(error).__name__}: {error}"})
        return
    _write(answers, {"ready": True})
    for line in requests:
        _write(answers, _answer(invoke, json.loads(line)))


def _answer(invoke: Callable[[Request], Answer], request: Request) -> Answer:
    """The invocation's answer with the host's CPU time during it and its peak RSS so far."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter_ns()
    try:
        answer = invoke(request)
    except Exception as error:
        answer = {"exit_code": None, "error": f"{type(error).__name__}: {error}"}
    answer.setdefault("wall_ns", time.perf_counter_ns() - start)
    after = resource.getrusage(resource.RUSAGE_SELF)
    answer.update(
        user_s=after.ru_utime - before.ru_utime,
        sys_s=after.ru_stime - before.ru_stime,
        max_rss_kib=after.ru_maxrss,
    )
    return answer


def _write(answers: BinaryIO, message: dict) -> None:
    answers.write(json.dumps(message).encode() + b"\n")
