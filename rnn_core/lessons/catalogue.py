"""The guided lessons of issue 14: each a few steps of predict, run, observe.

Every answer below was measured over seeds 0–9 (bench/lesson_outcomes.py prints the table) and
is asserted by tests/test_guided_lessons.py: `seeds_hold` is how many of the 10 seeds give the
step's `claim`. Strings are msgids of the `lessons` catalogue (locale/zh/LC_MESSAGES/lessons.po).
"""

from __future__ import annotations

from rnn_core.i18n import N_
from rnn_core.lessons import reveals as rv
from rnn_core.lessons.model import VIEW, Lesson, Question, Step

DATA, TRAIN_PAGE, COMPARE, INSIDE = ("pages/1_Data.py", "pages/2_Train.py",
                                     "pages/3_Compare.py", "pages/4_Inside.py")

_SHAPES = (("one_to_one", N_("One to one")), ("one_to_many", N_("One to many")),
           ("many_to_one", N_("Many to one")), ("many_to_many", N_("Many to many")))
_LR = (("good", N_("The loss falls and the RNN beats persistence on the test part")),
       ("slow", N_("The loss falls too little: the RNN still loses to persistence")),
       ("wild", N_("The updates overshoot: test MAE more than 5× persistence's")))
_LR_Q = N_("After 100 epochs at this learning rate, what happens?")
_YES_NO = (("yes", N_("Yes")), ("no", N_("No")))
_LEAK = (("lower", N_("Lower (better-looking) by more than 2%")),
         ("same", N_("About the same (within 2%)")),
         ("higher", N_("Higher by more than 2%")))
_LEAK_Q = N_("Fit the scaler on all the data instead of the training part only. What happens "
             "to the RNN's test MAE?")
_GRAD = (("half", N_("More than half")), ("some", N_("Between 3% and 50%")),
         ("tiny", N_("Less than 3%")))
_CELL_Q = N_("Of the gradient at the last of 60 steps, the share reaching the first is, "
             "compared with the Elman RNN's…")
_CELL = (("larger", N_("Larger (more than 1.5×)")), ("same", N_("About the same")),
         ("smaller", N_("Smaller (less than 1/1.5)")))

LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in (
    Lesson("shapes", N_("Windows and shapes: what the RNN actually reads"),
           N_("How a series becomes training windows, and which input/output shape each task "
              "trains."),
           (Step("windows", N_("Count the windows"), (DATA, N_("the series and its parts")),
                 N_("The default series has 600 points; the first 70% are the training part. "
                    "Each window holds 20 past values and its target is the value right "
                    "after it."),
                 rv.train_windows, action=VIEW, charts=("series",),
                 question=Question(N_("How many training windows does the RNN get?"),
                                   kind="number"),
                 expected=400, claim="400 training windows of shape (20, 1)"),
            Step("many_to_one", N_("The shape of 'next value'"), (INSIDE, N_("Shapes")),
                 N_("The task 'Next value' reads a window and predicts the value after it."),
                 rv.task_shape, action=VIEW, charts=("shape",),
                 question=Question(N_("Which shape does it train?"), choices=_SHAPES),
                 expected="many_to_one", claim="many to one: Y is (400, 1)"),
            Step("many_to_many", N_("The shape of 'sequence'"), (INSIDE, N_("Shapes")),
                 N_("Now the task is 'Sequence' (seed 004's RNN): the targets are the window "
                    "shifted by one."),
                 rv.task_shape, changes={"task": "seq"}, action=VIEW, charts=("shape",),
                 question=Question(N_("Which shape does it train now?"), choices=_SHAPES),
                 expected="many_to_many", claim="many to many: Y is (400, 20, 1)"))),

    Lesson("by_hand", N_("One step by hand"),
           N_("Seed 003's worked example, then the same step inside your trained model."),
           (Step("worked", N_("The tutorial's numbers"), (INSIDE, N_("One step")),
                 N_("h(t−1) = [0.537, 0.462], x(t) = 2.0, stacked weights "
                    "[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]] (rows h₁, h₂, x), b₁ = [0.1, −0.1]. "
                    "Then h(t) = tanh([h(t−1), x(t)] · W + b₁)."),
                 rv.worked_step, action=VIEW,
                 question=Question(N_("What is h₁(t)? (4 decimals)"), kind="number",
                                   tolerance=0.005),
                 expected=0.8597, claim="h = [0.8597, 0.8837], o = 2.7270"),
            Step("own_model", N_("The same step in your model"), (INSIDE, N_("One step")),
                 N_("Train the default RNN (20 hidden units), then open the last step of the "
                    "first test window: a_t = W_xh x_t + W_hh h_(t−1) + b_h."),
                 rv.model_step_parts, charts=("training",),
                 question=Question(N_("Which part of a_t is larger?"),
                                   choices=(("input", N_("The new input, W_xh x_t")),
                                            ("memory", N_("The memory, W_hh h_(t−1)")))),
                 expected="memory", claim="the memory part is larger"))),

    Lesson("train", N_("Train and watch"),
           N_("The default experiment: a noisy sine, 20 past values → the next one."),
           (Step("loss", N_("The loss curve"), (TRAIN_PAGE, N_("the loss and the live forecast")),
                 N_("100 epochs of Adam at learning rate 0.01. Watch the loss and the forecast "
                    "redrawn while the network learns."),
                 rv.loss_fall, charts=("training",),
                 question=Question(N_("How far will the RNN's training loss fall?"),
                                   choices=(("lt2", N_("Less than 2×")),
                                            ("2to10", N_("2× to 10×")),
                                            ("gt10", N_("More than 10×")))),
                 expected="gt10", claim="the loss falls more than 10×"),
            Step("persistence", N_("Against persistence"), (COMPARE, N_("Metrics")),
                 N_("Persistence predicts 'the next value equals the last one'. Compare the "
                    "RNN's test MAE with it."),
                 rv.beats_persistence, charts=("predictions",),
                 question=Question(N_("Will the RNN beat persistence on the test part?"),
                                   choices=_YES_NO),
                 expected="yes", claim="the RNN beats persistence"))),

    Lesson("lr", N_("Learning rate: too small, too large, right"),
           N_("The same network and data at three learning rates (Adam, 100 epochs)."),
           (Step("too_small", N_("Learning rate 0.00001"), (TRAIN_PAGE, N_("the loss curve")),
                 N_("A thousand times smaller than the default."),
                 rv.lr_regime, changes={"lr": 1e-5}, charts=("training",),
                 question=Question(_LR_Q, choices=_LR), seeds_hold=9,
                 expected="slow", claim="too little: the RNN still loses to persistence"),
            Step("too_large", N_("Learning rate 0.3"), (TRAIN_PAGE, N_("the loss curve")),
                 N_("Thirty times larger than the default."),
                 rv.lr_regime, changes={"lr": 0.3}, charts=("training",),
                 question=Question(_LR_Q, choices=_LR),
                 expected="wild", claim="overshoots: test MAE more than 5× persistence's"),
            Step("right", N_("Learning rate 0.01"), (TRAIN_PAGE, N_("the loss curve")),
                 N_("The default."),
                 rv.lr_regime, changes={"lr": 0.01}, charts=("training",),
                 question=Question(_LR_Q, choices=_LR),
                 expected="good", claim="the loss falls and the RNN beats persistence"))),

    Lesson("free_run", N_("Teacher forcing vs free running"),
           N_("Why a forecast fed its own outputs drifts, on seed 004's GS10 and seed 001's "
              "x·sin(x)."),
           (Step("gs10", N_("GS10, 12 months ahead"), (INSIDE, N_("Teacher forcing")),
                 N_("Seed 004's RNN on the 10-year yield. From the start of the test part "
                    "(2022) it predicts each month from real data, or feeds its own "
                    "predictions back."),
                 rv.free_vs_teacher, preset="gs10_rnn_vs_mlp", charts=("free_run",),
                 question=Question(N_("12 months ahead, how does the free-running error "
                                      "compare with the one-step error?"),
                                   choices=(("same", N_("About the same")),
                                            ("up3", N_("Up to 3× larger")),
                                            ("gt3", N_("More than 3× larger")))),
                 expected="gt3",
                 claim="12 months ahead the free-running RMSE is more than 3× the one-step"),
            Step("xsinx", N_("x·sin(x), extrapolated to 7.2"), (COMPARE, N_("Free-running "
                                                                           "forecasts")),
                 N_("Seed 001's experiment: blocks of 6 x values in, blocks of y out, then 20 "
                    "blocks past the end of the data."),
                 rv.error_grows, preset="xsinx_blocks", charts=("forecast", "horizon"),
                 question=Question(N_("Is the error of the last quarter of the extrapolation "
                                      "more than twice that of the first?"),
                                   choices=_YES_NO),
                 expected="yes", claim="yes, more than twice"))),

    Lesson("persistence", N_("Can it beat persistence?"),
           N_("The honest baseline: a random walk, then the 10-year treasury yield."),
           (Step("random_walk", N_("A random walk"), (COMPARE, N_("Metrics")),
                 N_("Each point is the last one plus a random step. Same network and training "
                    "as the default."),
                 rv.clear_win, changes={"synthetic_kind": "random_walk"},
                 charts=("predictions",),
                 question=Question(N_("Will the RNN beat persistence by more than 15% (MAE "
                                      "ratio below 0.85)?"),
                                   choices=(("clear", N_("Yes")), ("no", N_("No")))),
                 expected="no", claim="no: the ratio stays above 0.85"),
            Step("gs10", N_("GS10"), (COMPARE, N_("Metrics")),
                 N_("Seed 004's RNN on 59 months of the 10-year yield; the test part (2022) "
                    "rises above anything in training."),
                 rv.beats_persistence, preset="gs10_rnn_vs_mlp", charts=("predictions",),
                 question=Question(N_("Will the RNN beat persistence on the test part?"),
                                   choices=_YES_NO),
                 expected="no", claim="no: persistence wins"))),

    Lesson("leakage", N_("The scaler-leakage mistake"),
           N_("Fitting the scaler on all the data (tutorials 000/002) against on the training "
              "part only: what it does to the test numbers."),
           (Step("sine", N_("On the default sine"), (INSIDE, N_("Leakage")),
                 N_("Both runs use the same seed, windows and epochs; only the scaler's fit "
                    "differs."),
                 rv.leakage, charts=("training",), question=Question(_LEAK_Q, choices=_LEAK),
                 expected="same",
                 claim="about the same: the test part lies inside the training range"),
            Step("gs10", N_("On GS10"), (INSIDE, N_("Leakage")),
                 N_("The test part (2022) rises above the training range: a leaky min-max "
                    "scaler already knows how high."),
                 rv.leakage, preset="gs10_rnn_vs_mlp", charts=("training",),
                 question=Question(_LEAK_Q, choices=_LEAK), seeds_hold=7,
                 expected="lower", claim="the leaky test MAE looks lower by more than 2%"))),

    Lesson("vanishing", N_("Vanishing gradients"),
           N_("How much of the error signal reaches the early steps of a window."),
           (Step("window20", N_("Back through 20 steps"),
                 (INSIDE, N_("Gradients through time")),
                 N_("Train the default RNN, then measure ‖∂L/∂h_t‖ at every step of 20-step "
                    "training windows, with the loss on the last output."),
                 rv.grad_reach(20), charts=("grad_flow_20",),
                 question=Question(N_("What share of the gradient at the last step reaches "
                                      "the first?"), choices=_GRAD),
                 expected="some", claim="between 3% and 50%"),
            Step("window60", N_("Back through 60 steps"),
                 (INSIDE, N_("Gradients through time")),
                 N_("The same trained model, now on windows of 60 steps (set 'Window length' "
                    "to 60 on the Inside page to see it there)."),
                 rv.grad_reach(60), charts=("grad_flow_60",),
                 question=Question(N_("What share reaches the first of 60 steps?"),
                                   choices=_GRAD),
                 expected="tiny", claim="less than 3%"),
            Step("gru", N_("The cure? A GRU"), (INSIDE, N_("Gradients through time")),
                 N_("The same data and settings with a gated cell, the GRU: three blocks of "
                    "recurrent weights (reset, update, candidate) where the Elman RNN has one."),
                 rv.cell_vs_elman(60), changes={"cell": "gru"}, charts=("training",),
                 question=Question(_CELL_Q, choices=_CELL), seeds_hold=8,
                 expected="larger", claim="larger: more than 1.5× the Elman RNN's share"),
            Step("lstm", N_("And an LSTM"), (INSIDE, N_("Gradients through time")),
                 N_("The same again with the other gated cell, the LSTM, which carries a "
                    "second state, the cell c."),
                 rv.cell_vs_elman(60), changes={"cell": "lstm"}, charts=("training",),
                 question=Question(_CELL_Q, choices=_CELL),
                 expected="smaller", claim="smaller: under 1/1.5 of the Elman RNN's share"))),
)}


def lesson_step(lesson_key: str, index: int) -> Step:
    return LESSONS[lesson_key].steps[index]
