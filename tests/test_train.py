"""The trainer: learning, exact reproducibility, resuming, stopping, divergence, bad arguments."""
import numpy as np
import pytest

from rnn_core import MLP, RNN, SGD, Adam, History, TrainingDiverged, fit, fit_tbptt
from rnn_core.train import EPOCH_FACTOR, MIN_REFERENCE


def xsinx_windows(window=10):
    """y = x sin(x), x = 0.01 .. 6.00: windows of `window` values -> the next value."""
    x = np.arange(1, 601) / 100
    y = x * np.sin(x)
    X = np.stack([y[i:i + window] for i in range(600 - window)])[..., None]   # (N, window, 1)
    return X, y[window:, None]                                                # (N, 1)


def assert_same_curves(a, b):
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    np.testing.assert_array_equal(a.val_loss, b.val_loss)
    np.testing.assert_array_equal(a.grad_norm, b.grad_norm)


def test_training_lowers_the_loss_on_xsinx_windows():
    X, Y = xsinx_windows()
    model = RNN(1, 16, 1, seed=0)
    before = model.loss(X, Y)
    history = fit(model, X, Y, epochs=8, batch_size=32, optimizer=Adam(0.01), seed=1)
    assert len(history) == 8 and not history.stopped
    assert history.train_loss[-1] < 0.2 * history.train_loss[0]
    assert model.loss(X, Y) < 0.05 * before
    assert np.isnan(history.val_loss).all()
    assert all(g > 0 for g in history.grad_norm) and len(history.seconds) == 8


def test_validation_loss_is_the_loss_on_the_validation_windows():
    X, Y = xsinx_windows()
    history = fit(model := RNN(1, 8, 1), X[:400], Y[:400], epochs=2, batch_size=50,
                  optimizer=Adam(0.01), X_val=X[400:], Y_val=Y[400:])
    assert history.val_loss[-1] == model.loss(X[400:], Y[400:])


def test_same_seed_gives_an_identical_run():
    X, Y = xsinx_windows()
    runs = []
    for _ in range(2):
        model = RNN(1, 8, 1, seed=3)
        runs.append((fit(model, X, Y, epochs=3, batch_size=64, optimizer=Adam(0.01), seed=7,
                         clip=1.0), model))
    assert_same_curves(runs[0][0], runs[1][0])
    for name in runs[0][1].params:
        np.testing.assert_array_equal(runs[0][1].params[name], runs[1][1].params[name])
    other = fit(RNN(1, 8, 1, seed=3), X, Y, epochs=3, batch_size=64, optimizer=Adam(0.01),
                seed=8, clip=1.0)
    assert other.train_loss != runs[0][0].train_loss    # the shuffle seed matters


def test_three_single_epochs_equal_one_run_of_three():
    X, Y = xsinx_windows()
    X_val, Y_val = X[::7], Y[::7]
    m1, opt1 = RNN(1, 8, 1, seed=4), Adam(0.01)
    history = None
    for _ in range(3):
        history = fit(m1, X, Y, epochs=1, batch_size=64, optimizer=opt1, seed=5,
                      X_val=X_val, Y_val=Y_val, history=history)
    m3 = RNN(1, 8, 1, seed=4)
    h3 = fit(m3, X, Y, epochs=3, batch_size=64, optimizer=Adam(0.01), seed=5,
             X_val=X_val, Y_val=Y_val)
    assert len(history) == 3
    assert_same_curves(history, h3)
    for name in m1.params:
        np.testing.assert_array_equal(m1.params[name], m3.params[name])


def test_on_epoch_false_stops_and_keeps_the_partial_model():
    X, Y = xsinx_windows()
    seen, snapshots = [], []
    model = RNN(1, 8, 1, seed=6)

    def on_epoch(epoch, history):
        seen.append((epoch, len(history)))
        snapshots.append({k: v.copy() for k, v in model.params.items()})
        return epoch < 1                     # stop after the second epoch

    history = fit(model, X, Y, epochs=10, batch_size=64, optimizer=Adam(0.01),
                  on_epoch=on_epoch)
    assert seen == [(0, 1), (1, 2)]
    assert history.stopped and len(history) == 2
    for name, p in model.params.items():
        np.testing.assert_array_equal(p, snapshots[-1][name])
    assert model.loss(X, Y) == pytest.approx(history.train_loss[-1], rel=0.5)


def test_divergence_raises_and_restores_the_parameters_of_the_last_sane_epoch():
    X, Y = xsinx_windows()
    X, Y = X[:64], Y[:64]
    model = RNN(1, 8, 1, seed=7)
    # Reference run by hand through the public API: full-batch SGD, so one step per epoch, until
    # the loss is over EPOCH_FACTOR times the starting loss, or not finite.
    ref, opt = model.copy(), SGD(1e6)
    limit = EPOCH_FACTOR * max(ref.loss(X, Y), MIN_REFERENCE)
    sane_losses = []
    while True:
        kept = {k: v.copy() for k, v in ref.params.items()}
        with np.errstate(over="ignore", invalid="ignore"):
            loss, grads = ref.loss_and_grads(X, Y)
        if not np.isfinite(loss) or loss > limit:
            break
        opt.step(ref.params, grads)
        if not all(np.isfinite(p).all() for p in ref.params.values()):
            break
        sane_losses.append(loss)
    history = History()
    with pytest.raises(TrainingDiverged, match="lower") as info:
        fit(model, X, Y, epochs=50, batch_size=64, optimizer=SGD(1e6), shuffle=False,
            history=history)
    assert isinstance(info.value, ValueError)
    assert "clip" in str(info.value)
    assert info.value.epoch == info.value.kept_epochs == len(sane_losses) < 50
    assert history.train_loss == pytest.approx(sane_losses)
    for name, p in model.params.items():
        assert np.isfinite(p).all()
        np.testing.assert_array_equal(p, kept[name])


def test_clipping_keeps_the_same_learning_rate_from_diverging():
    X, Y = xsinx_windows()
    model = RNN(1, 8, 1, seed=7)
    history = fit(model, X, Y, epochs=2, batch_size=64, optimizer=SGD(0.5), clip=0.1)
    assert np.isfinite(history.train_loss).all()
    assert max(history.grad_norm) > 0.1        # norms are reported before clipping


def test_fit_trains_the_mlp_and_many_to_many_with_truncation():
    X, Y = xsinx_windows(6)
    h = fit(MLP(6, 10, 1), X, Y, epochs=3, batch_size=16, optimizer=Adam(0.01))
    assert h.train_loss[-1] < h.train_loss[0]
    Y_seq = np.concatenate([X[:, 1:], Y[:, None]], axis=1)    # targets shifted by one
    h = fit(RNN(1, 10, 1), X, Y_seq, epochs=3, batch_size=16, optimizer=Adam(0.01),
            bptt_steps=3)
    assert h.train_loss[-1] < h.train_loss[0]


def blocks():
    """Seed 001's data: 600 points of x sin(x) cut into 100 blocks of 6."""
    x = np.arange(1, 601) / 100
    return x.reshape(100, 6), (x * np.sin(x)).reshape(100, 6)


def test_fit_tbptt_learns_with_96_updates_per_epoch():
    xs, ys = blocks()
    model, opt = RNN(6, 20, 6, seed=0), Adam(0.002)
    before = model.loss(xs[None], ys[None])        # the whole series from a zero state
    history = fit_tbptt(model, xs, ys, k1=1, k2=5, epochs=30, optimizer=opt)
    assert opt.t == 96 * 30
    assert history.train_loss[-1] < 0.2 * history.train_loss[0]
    assert model.loss(xs[None], ys[None]) < 0.5 * before
    assert np.isnan(history.val_loss).all()


def test_fit_tbptt_resumes_exactly():
    xs, ys = blocks()
    m1, o1 = RNN(6, 8, 6, seed=1), Adam(0.01)
    h1 = fit_tbptt(m1, xs, ys, k1=2, k2=4, epochs=1, optimizer=o1)
    h1 = fit_tbptt(m1, xs, ys, k1=2, k2=4, epochs=1, optimizer=o1, history=h1)
    m2 = RNN(6, 8, 6, seed=1)
    h2 = fit_tbptt(m2, xs, ys, k1=2, k2=4, epochs=2, optimizer=Adam(0.01))
    assert_same_curves(h1, h2)


def test_history_round_trips_through_a_dict():
    h = History([1.0], [np.nan], [0.5], [0.1], stopped=True)
    again = History(**h.to_dict())
    assert again.train_loss == [1.0] and again.stopped and len(again) == 1


@pytest.mark.parametrize("kwargs,match", [
    (dict(epochs=-1), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(optimizer="adam"), "optimizer"),
    (dict(clip=-1.0), "clip"),
    (dict(on_epoch=3), "on_epoch"),
    (dict(X_val=np.zeros((2, 10, 1))), "both X_val and Y_val"),
    (dict(bptt_steps=0), "bptt_steps"),
])
def test_fit_bad_arguments_raise_plain_value_errors(kwargs, match):
    X, Y = xsinx_windows()
    args = dict(epochs=1, batch_size=32, optimizer=SGD(0.1)) | kwargs
    with pytest.raises(ValueError, match=match):
        fit(RNN(1, 4, 1), X, Y, **args)


def test_fit_bad_data_raises_plain_value_errors():
    X, Y = xsinx_windows()
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="Y must have shape"):
        fit(RNN(1, 4, 1), X, Y[:-1], epochs=1, batch_size=8, optimizer=opt)
    with pytest.raises(ValueError, match=r"\(N, T, 2\)"):
        fit(RNN(2, 4, 1), X, Y, epochs=1, batch_size=8, optimizer=opt)
    Y_nan = Y.copy()
    Y_nan[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit(RNN(1, 4, 1), X, Y_nan, epochs=1, batch_size=8, optimizer=opt)
    with pytest.raises(ValueError, match="recurrent"):
        fit(MLP(10, 4, 1), X, Y, epochs=1, batch_size=8, optimizer=opt, bptt_steps=2)


def test_fit_tbptt_bad_arguments():
    xs, ys = blocks()
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="longer than the series"):
        fit_tbptt(RNN(6, 4, 6), xs[:3], ys[:3], k1=1, k2=5, epochs=1, optimizer=opt)
    with pytest.raises(ValueError, match="must not exceed"):
        fit_tbptt(RNN(6, 4, 6), xs, ys, k1=6, k2=5, epochs=1, optimizer=opt)
    with pytest.raises(ValueError, match="same T"):
        fit_tbptt(RNN(6, 4, 6), xs, ys[:-1], k1=1, k2=5, epochs=1, optimizer=opt)
    with pytest.raises(ValueError, match="RNN"):
        fit_tbptt(MLP(6, 4, 6), xs, ys, k1=1, k2=5, epochs=1, optimizer=opt)


def test_the_trainers_reused_work_arrays_give_the_gradients_of_fresh_ones():
    # shapes in turn, as fit and fit_tbptt meet them: full batches, a smaller last batch,
    # many-to-many, truncation, a carried state, then the first shape again
    from rnn_core.gradcheck import rel_error
    rng = np.random.default_rng(0)
    model = RNN(2, 5, 3, n_layers=2, seed=9)
    X, Y = rng.standard_normal((8, 6, 2)), rng.standard_normal((8, 6, 3))
    h0 = rng.standard_normal((2, 4, 5))
    calls = [(np.arange(4), Y[:, -1], None, None), (np.arange(4, 7), Y[:, -1], None, None),
             (np.arange(4), Y, None, None), (np.arange(4), Y, 2, None),
             (np.arange(4), Y[:, -1], 3, None), (np.arange(4), Y[:, 4:], None, h0),
             (np.arange(4), Y[:, 4:], None, None), (np.arange(4), Y[:, -1], None, None)]
    for idx, target, k, h in calls:
        if h is None:
            loss, grads = model._batch_grads(X, target, idx, k)
        else:
            loss, grads, _, _ = model._loss_and_grads(X[idx], target[idx], h, k, reuse=True)
        ref_loss, ref, _, _ = model._loss_and_grads(X[idx], target[idx], h, k)   # fresh arrays
        assert loss == pytest.approx(ref_loss, rel=1e-14)
        for name in ref:
            assert rel_error(grads[name], ref[name]) < 1e-14, name


def test_the_starting_loss_is_the_loss_on_all_the_training_windows():
    X, Y = xsinx_windows()
    model = RNN(1, 8, 1, seed=10)
    expected = model.loss(X, Y)
    history = fit(model, X, Y, epochs=1, batch_size=1, optimizer=SGD(1e-3))
    assert history.start_loss == pytest.approx(expected, rel=1e-12)
