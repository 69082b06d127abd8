"""The input/output shapes of an RNN (ui.charts.shapes draws them unrolled in time).

Each shape says at which steps an input enters and at which an output leaves; the same cell
(one box per step, the arrow between boxes is h carried forward) is drawn for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnn_core.i18n import N_


@dataclass(frozen=True)
class Shape:
    key: str
    title: str
    steps: int
    inputs: tuple  # steps with an input x_t
    outputs: tuple  # steps with an output y_t
    feedback: bool  # output t fed back as the input of step t + 1
    text: str  # what it is, in plain words (title, text, in_app: English msgids, N_)
    in_app: str  # which setting of this app uses it


SHAPES = (
    Shape("one_to_one", N_("One to one"), 1, (0,), (0,), False,
          N_("One input, one output, no time at all: this is an ordinary feed-forward network."),
          N_("Not an RNN setting here; the MLP baseline works this way on a whole window.")),
    Shape("one_to_many", N_("One to many"), 4, (0,), (0, 1, 2, 3), True,
          N_("One input starts the sequence; each later step produces an output from the state, "
             "here with the previous output fed back in."),
          N_("Free-running extrapolation works like this: after the real window, each "
             "prediction becomes the next input (Compare page, and the teacher-forcing view).")),
    Shape("many_to_one", N_("Many to one"), 4, (0, 1, 2, 3), (3,), False,
          N_("A whole window is read, one value per step, and only the last step's output is "
             "used."), N_("Task 'Next value': the loss sits on the last output only.")),
    Shape("many_to_many", N_("Many to many, aligned"), 4, (0, 1, 2, 3), (0, 1, 2, 3), False,
          N_("An output at every step, each aligned with its input: step t predicts the value "
             "after x_t."),
          N_("Task 'Sequence' (targets shifted by one, every step scored), and the x-blocks "
             "task, which also carries the state from one window to the next.")),
    Shape("encoder_decoder", N_("Many to many, encoder–decoder"), 6, (0, 1, 2), (3, 4, 5), False,
          N_("First read the whole input (encoder), then write a whole output sequence from the "
             "final state (decoder); the two lengths may differ."),
          N_("Not trained in this app; a forecast of several steps at once would take this "
             "shape.")),
)
