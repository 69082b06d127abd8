"""rnn_core.words.counted: the one helper for "1 epoch" / "2 epochs" in every message."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rnn_core.words import counted


@pytest.mark.parametrize("n, noun, text", [
    (1, "epoch", "1 epoch"), (3, "epoch", "3 epochs"), (0, "epoch", "0 epochs"),
    (1, "hidden unit", "1 hidden unit"), (2, "hidden unit", "2 hidden units"),
    (1, "window", "1 window"), (20, "window", "20 windows"),
    (1, "step", "1 step"), (1, "column", "1 column"), (-1, "step", "-1 steps"),
])
def test_singular_for_exactly_one_and_plural_otherwise(n, noun, text):
    assert counted(n, noun) == text


def test_an_irregular_plural_is_given_with_plural():
    assert counted(2, "series", plural="series") == "2 series"
    assert counted(1, "matrix", "matrices") == "1 matrix"
    assert counted(4, "matrix", "matrices") == "4 matrices"


def test_numpy_integers_count_like_ints():
    assert counted(np.int64(1), "point") == "1 point"
    assert counted(np.int64(5), "point") == "5 points"


def test_the_module_does_not_import_streamlit():
    code = "import sys, rnn_core.words; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
