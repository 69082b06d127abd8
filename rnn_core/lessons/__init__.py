"""Guided lessons a teacher runs in class: predict, run, observe (issue 14, parts 1–2).

    model.py      Lesson, Step, Question, Reveal, Observation: what a lesson is made of
    reveals.py    the answer and numbers each step reveals, computed from this run
    catalogue.py  the lessons themselves (LESSONS)

Texts are msgids of the gettext domain `lessons`; to update its catalogue after changing them:

    PYTHONPATH=. pybabel extract -F locale/lessons-babel.cfg --no-location -o /tmp/lessons.pot .
    pybabel update -D lessons -i /tmp/lessons.pot -d locale -l zh --no-location  # translate
    pybabel compile -D lessons -d locale -l zh

The mapping reads only the lessons' files (rnn_core/lessons, ui/lessons_ui.py, the page);
tests/test_guided_lessons.py fails when one of their strings has no Chinese translation.
"""

from rnn_core.lessons.catalogue import LESSONS, lesson_step
from rnn_core.lessons.model import (SEEDS, TRAIN, VIEW, Lesson, Observation, Question, Reveal,
                                    Step, observe)

__all__ = ["LESSONS", "SEEDS", "TRAIN", "VIEW", "Lesson", "Observation", "Question", "Reveal",
           "Step", "lesson_step", "observe"]
