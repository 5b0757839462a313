"""A warm host for ``invoke``'s tests: answers every invocation with the nop workload's output."""

from pathlib import Path

from wasmbench.serving.host_loop import serve


def load():
    def invoke(request: dict) -> dict:
        Path(request["stdout"]).write_bytes(b"wasmbench nop\n")
        return {"exit_code": 0}

    return invoke


serve(load)
