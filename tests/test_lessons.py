"""Every outcome a card claims holds over seeds 0–9, on the data the preset really trains on.

The presets' and the default experiment's claims live in rnn_core.presets; here each one is run
for seeds 0–9 (seed = the model's initial weights and shuffling) and counted. A claim that held
for one seed only would fail here. The numbers behind each claim are recomputed by hand from
the predictions in `test_claim_numbers_are_recomputed_from_the_predictions`.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core.config import LabConfig
from rnn_core.datasets import load_series
from rnn_core.evaluate import evaluate
from rnn_core.experiment import Run, prepare
from rnn_core.presets import DEFAULT_CLAIMS, PRESETS, SEEDS
from rnn_core.ranges import out_of_range
from rnn_core.runner import run_config
from rnn_core.sources.fred import bundled_gs10
from rnn_core.sources.synthetic import true_function


def offline_series(cfg: LabConfig):
    """The series a configuration trains on, without the network (GS10: the bundled sample,
    which is exactly the preset's 59 months)."""
    if cfg.source == "fred":
        return bundled_gs10().values
    return load_series(cfg).values


_RESULTS: dict[str, list[dict]] = {}


def results_over_seeds(key: str, cfg: LabConfig) -> list[dict]:
    if key not in _RESULTS:
        series = offline_series(cfg)
        _RESULTS[key] = [run_config(series, cfg.replace(seed=s)) for s in SEEDS]
    return _RESULTS[key]


CASES = [("default", LabConfig(), claim) for claim in DEFAULT_CLAIMS] + [
    (key, p.config(), claim) for key, p in PRESETS.items() for claim in p.claims]


@pytest.mark.parametrize("key, cfg, claim", CASES,
                         ids=[f"{k}: {c.text[:40]}" for k, _, c in CASES])
def test_each_claim_holds_in_enough_of_seeds_0_to_9(key, cfg, claim):
    results = results_over_seeds(key, cfg)
    assert not [r["error"] for r in results if "error" in r]
    assert claim.count(results) >= claim.at_least, (claim.text, claim.count(results))


def test_every_preset_either_claims_an_outcome_or_says_why_not():
    for preset in PRESETS.values():
        assert preset.claims or preset.no_claim, preset.key


def test_the_default_tests_inside_the_training_range():
    # the first-load lesson is not an extrapolation: its test part lies within what training saw
    p = prepare(offline_series(LabConfig()), LabConfig())
    assert out_of_range(p) == [] or all(r.reach < 0.05 for r in out_of_range(p))


def test_the_blocks_preset_trains_on_all_100_blocks_and_extrapolates_from_x_6():
    cfg = PRESETS["xsinx_blocks"].config()
    p = prepare(offline_series(cfg), cfg)
    assert p.split.train_end == 100 and p.inputs.shape == (100, 6)
    run = Run(p)
    run.train(2)
    ev = evaluate(run, lambda x: true_function("xsinx", x))
    assert ev.extrapolation.index[0] == pytest.approx(6.01)
    assert ev.extrapolation.index[-1] == pytest.approx(7.20)


def test_claim_numbers_are_recomputed_from_the_predictions():
    """The numbers the claims read equal a hand computation on the same predictions."""
    cfg = LabConfig(epochs=5)
    series = offline_series(cfg)
    result = run_config(series, cfg)
    run = Run(prepare(series, cfg))
    run.train(cfg.epochs)
    ev = evaluate(run)
    test = ev.predictions[ev.predictions["part"] == "test"]
    mae = np.mean(np.abs(test["actual"] - test["RNN"]))
    naive = np.mean(np.abs(test["actual"] - test["Persistence"]))
    assert result["RNN_REL_MAE"] == pytest.approx(mae / naive, rel=1e-12)

    cfg = PRESETS["xsinx_blocks"].config().replace(epochs=3)
    series = offline_series(cfg)
    tf = lambda x: true_function("xsinx", x)  # noqa: E731
    result = run_config(series, cfg)
    run = Run(prepare(series, cfg))
    run.train(cfg.epochs)
    ev = evaluate(run, tf)
    x = ev.extrapolation.index.to_numpy()[:6]
    first = np.sqrt(np.mean((ev.extrapolation["RNN"].to_numpy()[:6] - x * np.sin(x)) ** 2))
    assert result["horizon_RNN"][0] == pytest.approx(first, rel=1e-12)
