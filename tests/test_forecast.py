import numpy as np
import pytest

from rnn_core.forecast import (horizon_errors, persistence_forecast, persistence_horizon_errors,
                               recursive_forecast, stateful_rollout,
                               teacher_forcing_vs_free_running)
from rnn_core.mlp import MLP
from rnn_core.optim import Adam
from rnn_core.rnn import RNN
from rnn_core.train import fit
from rnn_core.windows import make_windows

PERIOD = 25
SINE = np.sin(2 * np.pi * np.arange(300) / PERIOD)


def _rms(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


@pytest.fixture(scope="module")
def sine_rnn():
    """An RNN trained briefly on the first 250 points of a pure sine, window 12."""
    w = make_windows(SINE[:250], 12)
    model = RNN(1, 16, 1, seed=0)
    fit(model, w.X, w.Y, epochs=40, batch_size=16, optimizer=Adam(0.01), clip=1.0, seed=0)
    return model


def test_free_running_forecast_of_a_learnt_sine_beats_wrong_constants(sine_rnn):
    forecast = recursive_forecast(sine_rnn, SINE[238:250, None], 50)  # two periods ahead
    truth = SINE[250:300]
    assert forecast.shape == (50, 1)
    err = _rms(forecast[:, 0], truth)
    assert err < 0.2 * _rms(np.zeros(50), truth)  # the series mean
    assert err < 0.2 * _rms(np.full(50, SINE[249]), truth)  # the last value held


def test_each_prediction_is_fed_back_as_the_newest_input():
    model = RNN(1, 5, 1, seed=3)
    context = np.linspace(-1, 1, 6)[:, None]
    f = recursive_forecast(model, context, 3)
    first = model.predict(context[None])[0]
    window2 = np.concatenate([context[1:], first[None]])
    second = model.predict(window2[None])[0]
    window3 = np.concatenate([window2[1:], second[None]])
    third = model.predict(window3[None])[0]
    np.testing.assert_array_equal(f, np.stack([first, second, third]))


def test_a_mlp_forecasts_from_a_flat_context_too():
    model = MLP(6, 4, 1, seed=1)
    f = recursive_forecast(model, np.linspace(0, 1, 6), 4)
    assert f.shape == (4, 1)
    assert f[0, 0] == model.predict(np.linspace(0, 1, 6)[None, :, None])[0, 0]


def test_recursion_needs_as_many_outputs_as_input_features():
    with pytest.raises(ValueError, match="as many outputs as input features"):
        recursive_forecast(RNN(2, 4, 1), np.zeros((5, 2)), 3)
    with pytest.raises(ValueError, match="at least 1"):
        recursive_forecast(RNN(1, 4, 1), np.zeros((5, 1)), 0)


def test_persistence_repeats_the_value_horizon_steps_back():
    values = np.array([10.0, 11.0, 13.0, 16.0, 20.0])
    assert persistence_forecast(values, np.array([2, 3, 4])).tolist() == [11.0, 13.0, 16.0]
    assert persistence_forecast(values, np.array([3, 4]), horizon=3).tolist() == [10.0, 11.0]
    with pytest.raises(ValueError, match="needs targets in"):
        persistence_forecast(values, np.array([1, 2]), horizon=2)


def _slow_horizon_errors(model, values, start, stop, window, horizons):
    """One recursive forecast per origin, the obvious way."""
    out = {}
    for k in horizons:
        errs = []
        for t in range(start, stop):
            origin = t - k + 1  # the first forecast position; its k-th step lands on t
            if origin - window < 0:
                continue
            f = recursive_forecast(model, values[origin - window:origin], k)
            errs.append(f[k - 1] - values[t])
        out[k] = float(np.sqrt(np.mean(np.square(errs)))) if errs else float("nan")
    return out


@pytest.mark.parametrize("model, start, stop", [
    (RNN(1, 6, 1, seed=1), 60, 90),
    (RNN(1, 6, 1, n_layers=2, activation="relu", seed=2), 3, 40),  # origins clipped at window
    (MLP(8, 5, 1, seed=4), 80, 100),
])
def test_batched_horizon_errors_equal_a_per_origin_loop(model, start, stop):
    values = np.sin(np.arange(100) * 0.3)[:, None] + 0.1 * np.cos(np.arange(100) * 1.7)[:, None]
    horizons = (1, 2, 5, 9)
    fast = horizon_errors(model, values, start, stop, 8, horizons)
    slow = _slow_horizon_errors(model, values, start, stop, 8, horizons)
    assert list(fast) == list(horizons)
    for k in horizons:
        assert fast[k] == pytest.approx(slow[k], rel=1e-12, abs=1e-15)


def test_horizon_errors_make_one_predict_call_per_step():
    class Counting(RNN):  # the real RNN, counting its calls
        calls = 0

        def predict(self, X, h0=None):
            Counting.calls += 1
            return super().predict(X, h0)

    horizon_errors(Counting(1, 4, 1), SINE, 200, 300, 10, (1, 4, 16))
    assert Counting.calls == 16


def test_a_horizon_with_no_origin_gives_nan():
    errs = horizon_errors(RNN(1, 3, 1), SINE[:20], 15, 20, 10, (1, 12))
    assert np.isfinite(errs[1]) and np.isnan(errs[12])


def test_persistence_horizon_errors_score_the_same_targets_as_the_model():
    values = np.cumsum(np.random.default_rng(0).normal(size=80))
    errs = persistence_horizon_errors(values, 60, 80, 10, (1, 3))
    assert errs[1] == pytest.approx(_rms(values[59:79], values[60:80]))
    assert errs[3] == pytest.approx(_rms(values[57:77], values[60:80]))
    # near the start, targets need window + k - 1 earlier values, as the model's do
    early = persistence_horizon_errors(values, 0, 20, 10, (4,))
    assert early[4] == pytest.approx(_rms(values[9:16], values[13:20]))


def test_teacher_forcing_reads_true_windows_and_free_running_its_own_outputs(sine_rnn):
    noisy = SINE + 0.05 * np.random.default_rng(1).uniform(-1, 1, size=SINE.shape)
    cmp = teacher_forcing_vs_free_running(sine_rnn, noisy, 250, 50, 12)
    assert cmp.target_idx.tolist() == list(range(250, 300))
    np.testing.assert_array_equal(cmp.truth[:, 0], noisy[250:300])
    # both start from the same true window, so the first step is the same prediction
    assert cmp.teacher_forced[0, 0] == pytest.approx(cmp.free_running[0, 0], rel=1e-12)
    np.testing.assert_array_equal(cmp.free_running,
                                  recursive_forecast(sine_rnn, noisy[238:250], 50))
    np.testing.assert_array_equal(cmp.teacher_forced,
                                  sine_rnn.predict(make_windows(noisy, 12, start=250).X))
    np.testing.assert_allclose(cmp.free_error, np.abs(cmp.free_running - cmp.truth)[:, 0])


def test_teacher_vs_free_needs_room_for_its_steps():
    with pytest.raises(ValueError, match="needs 310 points"):
        teacher_forcing_vs_free_running(RNN(1, 3, 1), SINE, 290, 20, 12)
    with pytest.raises(ValueError, match="origin must be at least 12"):
        teacher_forcing_vs_free_running(RNN(1, 3, 1), SINE, 5, 20, 12)


def test_stateful_rollout_carries_the_state_across_calls():
    model = RNN(3, 7, 2, n_layers=2, seed=5)
    x = np.random.default_rng(2).normal(size=(20, 3))
    whole, h_whole = stateful_rollout(model, x, None)
    first, h = stateful_rollout(model, x[:12], None)
    rest, h_end = stateful_rollout(model, x[12:], h)  # go on from the last state
    assert whole.shape == (20, 2) and h.shape == (2, 7)
    np.testing.assert_allclose(np.concatenate([first, rest]), whole, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_end, h_whole, rtol=1e-12, atol=1e-14)
    # outputs equal the model's own forward pass on the sequence
    Y, _ = model.forward(x[None])
    np.testing.assert_array_equal(whole, Y[0])


def test_stateful_rollout_accepts_one_state_for_every_layer():
    model = RNN(1, 4, 1, n_layers=2, seed=0)
    x = np.ones((5, 1))
    h = np.full(4, 0.3)
    out, _ = stateful_rollout(model, x, h)
    out_full, _ = stateful_rollout(model, x, np.stack([h, h]))
    np.testing.assert_array_equal(out, out_full)
    assert not np.array_equal(out, stateful_rollout(model, x, None)[0])


def test_stateful_rollout_refuses_a_model_without_memory():
    with pytest.raises(ValueError, match="MLP has none"):
        stateful_rollout(MLP(3, 4, 1), np.zeros((5, 3)), None)
