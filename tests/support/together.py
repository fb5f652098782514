"""Start the same thing in several threads at once (processes racing to open one database)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(fn: Callable[[], object], *, threads: int = 4) -> list[BaseException]:
    """Run `fn` in `threads` threads released at the same instant; what each raised."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def one() -> None:
        barrier.wait()
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    started = [threading.Thread(target=one) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return errors
