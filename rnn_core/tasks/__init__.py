"""Tasks: what the network is asked to do with a series, each an object that carries it through.

A task decides which windows and targets it makes, how the RNN trains on them, how it forecasts
and extrapolates, and which metrics and baselines make sense for it. The experiment, the
evaluator and every page call the task's methods; none of them asks which task it is.

    next     window -> next value (many-to-one, loss on the last output)
    seq      sequence, shifted by one (many-to-many, every step predicts the following value)
    blocks   seed 001: blocks of x in, blocks of y out, the hidden state carried along the curve
"""

from __future__ import annotations

from rnn_core.tasks.base import Task
from rnn_core.tasks.blocks import XBlocks
from rnn_core.tasks.windowed import NextValue, Sequence

TASKS: dict[str, Task] = {t.key: t for t in (NextValue(), Sequence(), XBlocks())}
TASK_KEYS = tuple(TASKS)


def get_task(key: str) -> Task:
    """The task object of a configuration's `task` field."""
    try:
        return TASKS[key]
    except KeyError:
        raise ValueError(f"Unknown task {key!r}: use one of {', '.join(TASKS)}") from None


__all__ = ["TASKS", "TASK_KEYS", "Task", "get_task", "NextValue", "Sequence", "XBlocks"]
