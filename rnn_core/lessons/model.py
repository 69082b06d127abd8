"""What a guided lesson is made of: steps that set an experiment, ask, run and reveal.

A `Lesson` is a short list of `Step`s. A step says

* what it sets: a preset and/or `LabConfig` changes, always applied to the defaults, so a link
  to step 3 gives every student the same experiment (`step_config`);
* where to look: a page of the app and the view on it;
* an optional `Question` the class answers *before* running (a choice or a number);
* what to run: "train" (a run with these settings) or "view" (the data only, no training);
* its `reveal`: a function of this run's numbers (an `Observation`) returning a `Reveal` —
  the actual answer, the numbers behind it and one or two sentences that quote them;
* how often its answer holds over seeds 0–9 (`seeds_hold`); tests/test_guided_lessons.py
  runs every step for seeds 0–9 and fails when the answer holds in fewer.

All texts are English msgids marked with N_ and translated where shown (domain `lessons`).
Nothing here imports Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from rnn_core.config import LabConfig, validated
from rnn_core.datasets import true_curve
from rnn_core.evaluate import Evaluation, evaluate
from rnn_core.experiment import Prepared, Run, prepare
from rnn_core.presets import PRESETS, SEEDS

TRAIN, VIEW = "train", "view"  # what a step runs


@dataclass(frozen=True)
class Question:
    """A prediction asked before the run. kind "choice": `choices` = ((key, label), ...);
    kind "number": the answer is a number, right when within `tolerance` (absolute) of the
    actual one."""

    prompt: str
    kind: str = "choice"
    choices: tuple[tuple[str, str], ...] = ()
    tolerance: float = 0.0

    def label(self, key) -> str:
        """The label (a msgid) of choice `key`, or the number as typed."""
        if self.kind == "number":
            return f"{key:g}"
        return dict(self.choices).get(key, str(key))

    def is_right(self, predicted, actual) -> bool:
        if predicted is None:
            return False
        if self.kind == "number":
            return abs(float(predicted) - float(actual)) <= self.tolerance
        return predicted == actual


@dataclass(frozen=True)
class Reveal:
    """What one run shows. answer: the actual outcome (a choice key or a number), compared with
    the prediction; values: the numbers behind it, by name (the tests recompute them);
    metrics: (label msgid, formatted value) pairs to display; text: translated sentences with
    the numbers formatted in."""

    answer: object
    values: dict
    metrics: tuple[tuple[str, str], ...]
    text: str


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    look: tuple[str, str]  # (page file, view on it), e.g. ("pages/4_Inside.py", "Shapes")
    text: str  # what to look at or do, before running
    reveal: Callable[["Observation"], Reveal]
    preset: str | None = None
    changes: dict = field(default_factory=dict)
    question: Question | None = None
    action: str = TRAIN
    charts: tuple[str, ...] = ()  # figures the page draws after the run (ui/lessons_ui.py)
    # The outcome this step teaches: the reveal's answer (a choice key, or the number) that
    # holds in exactly `seeds_hold` of seeds 0–9; `claim` says it in words (for the table).
    expected: object = None
    seeds_hold: int = 10
    claim: str = ""

    def config(self) -> LabConfig:
        """The experiment of this step: the preset (or the defaults) with the step's changes."""
        base = PRESETS[self.preset].config() if self.preset else LabConfig()
        return validated(base.replace(**self.changes))


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    summary: str
    steps: tuple[Step, ...]


class Observation:
    """What a reveal reads: the series, the step's configuration and, for a "train" step, the
    trained run; the evaluation (and any other derived table) is computed once on demand.

    series: (n,) values of the data the run trained on; evaluation: an Evaluation of `run`
    already computed by the caller (the page memoises one per run), or None.
    """

    def __init__(self, series: pd.Series, cfg: LabConfig, run: Run | None = None,
                 evaluation: Evaluation | None = None, units: str = ""):
        self.series, self.cfg, self.run, self.units = series, cfg, run, units
        self._evaluation = evaluation
        self._prepared: Prepared | None = run.prepared if run is not None else None
        self._memo: dict = {}

    @property
    def prepared(self) -> Prepared:
        if self._prepared is None:
            self._prepared = prepare(self.series, self.cfg, self.units)
        return self._prepared

    @property
    def evaluation(self) -> Evaluation:
        if self._evaluation is None:
            self._evaluation = evaluate(self.run, true_curve(self.cfg))
        return self._evaluation

    def memo(self, name: str, compute: Callable[[], object]):
        """compute() once per observation (a leakage comparison, a gradient flow)."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]


def observe(step: Step, series: pd.Series, seed: int = 0) -> Observation:
    """Run one step headless for one seed: what the tests and the bench do for seeds 0–9."""
    cfg = step.config().replace(seed=seed)
    run = None
    if step.action == TRAIN:
        run = Run(prepare(series, cfg))
        run.train(cfg.epochs)
    return Observation(series, cfg, run)


__all__ = ["Lesson", "Observation", "Question", "Reveal", "SEEDS", "Step", "TRAIN", "VIEW",
           "observe"]
