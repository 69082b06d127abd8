"""The one palette of the app: one colour per model everywhere, so a student learns it once."""

from __future__ import annotations

COLORS = {"actual": "#495057", "RNN": "#3b5bdb", "MLP": "#e8590c", "Persistence": "#2f9e44",
          "true": "#868e96"}
INIT_COLOR = "#868e96"  # the model at initialisation, grey beside the trained RNN's blue
PART_FILL = {"val": "rgba(250, 176, 5, 0.12)", "test": "rgba(240, 62, 62, 0.10)"}
PART_NAME = {"train": "training", "val": "validation", "test": "test"}


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"
