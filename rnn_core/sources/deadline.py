"""Put an upper bound on the whole of a network call.

`requests` and curl time out per read, so a server that trickles one byte every few seconds
could keep a download alive for ever, and a library may make several requests in a row. The
call therefore runs in a daemon thread and the caller stops waiting at the deadline; the thread
ends on its own at its next read timeout.
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

from rnn_core.i18n import _, current_language, set_language

T = TypeVar("T")


def run_with_deadline(call: Callable[[], T], seconds: float, *, what: str) -> T:
    """Return `call()`, re-raise what it raises, or raise TimeoutError after `seconds`."""
    outcome: dict = {}
    lang = current_language()  # the worker's messages speak the caller's language

    def target():
        set_language(lang)
        try:
            outcome["value"] = call()
        except BaseException as err:  # handed to the waiting caller below
            outcome["error"] = err

    worker = threading.Thread(target=target, name=f"fetch {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(_("{what} did not answer within {seconds:g} seconds").format(
                               what=what, seconds=seconds))
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
