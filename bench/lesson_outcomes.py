"""Every guided lesson step over seeds 0–9: the predicted-vs-actual claim and how often it holds.

    python bench/lesson_outcomes.py

For each step with a question: the answer the lesson reveals (its claim), in how many of seeds
0–9 this run's answer is that one (the step promises `seeds_hold`), and the spread of the
number behind it. Offline: GS10 is the bundled sample. tests/test_guided_lessons.py asserts the
same counts; this prints them.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.datasets import load_series  # noqa: E402
from rnn_core.lessons import LESSONS, SEEDS, observe  # noqa: E402
from rnn_core.sources.fred import bundled_gs10  # noqa: E402

# the number each step's answer is read from (first scalar of its values, by name)
KEY_VALUE = ("n_windows", "h1", "memory_norm", "factor", "ratio", "change", "share")


def series_of(cfg):
    return bundled_gs10().values if cfg.source == "fred" else load_series(cfg).values


def outcomes(step) -> list:
    """The step's Reveal for each of seeds 0–9."""
    series = series_of(step.config())
    return [step.reveal(observe(step, series, seed)) for seed in SEEDS]


def answers(reveals) -> str:
    """Every answer the seeds gave, with its count: "gt10 ×9, 2to10 ×1"."""
    counts = Counter(repr(r.answer) for r in reveals)
    return ", ".join(f"{a} ×{n}" for a, n in counts.most_common())


def spread(reveals) -> str:
    for name in KEY_VALUE:
        if name in reveals[0].values:
            v = np.array([r.values[name] for r in reveals], dtype=float)
            return f"{name} {v.mean():.3g} ({v.min():.3g}–{v.max():.3g})"
    return "—"


def main() -> None:
    print("| lesson | step | question | claim (expected answer) | seeds 0–9 that show it"
          " | number behind it, mean (min–max) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for lesson in LESSONS.values():
        for step in lesson.steps:
            reveals = outcomes(step)
            count = sum(step.question.is_right(step.expected, r.answer) for r in reveals)
            print(f"| {lesson.key} | {step.key} | {step.question.prompt} | {step.claim} "
                  f"({step.expected!r}) | {count} of {len(SEEDS)} (promised "
                  f"{step.seeds_hold}; answers: {answers(reveals)}) | {spread(reveals)} |",
                  flush=True)


if __name__ == "__main__":
    main()
