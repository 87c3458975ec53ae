"""CPU time of a call, for the tests that bound how long hostile or generated input may take."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T], clock: Callable[[], float] = time.thread_time) -> tuple[T, float]:
    """fn's result and the CPU seconds this thread spent on it: other processes on a loaded
    machine do not count, a regex that backtracks for seconds does. The garbage collector is
    held meanwhile: late in a full run, one pass over the whole suite's heap, set off by the
    objects fn makes, took 0.5 s that were no cost of fn. (No collection is forced before: on a
    late heap that costs more than most of the calls timed.)"""
    gc.disable()
    try:
        t0 = clock()
        got = fn()
        return got, clock() - t0
    finally:
        gc.enable()


def process_timed(fn: Callable[[], T]) -> tuple[T, float]:
    """fn's result and the CPU seconds this whole process spent meanwhile: for calls that work
    in threads of their own (a fetch's worker, an event loop's executor). Other processes on a
    loaded machine still do not count."""
    return timed(fn, time.process_time)
