"""Session state: one student's configuration, data and models, and the URL that mirrors them.

Everything a student owns lives in `st.session_state` under the keys below (never in
`st.cache_resource`, which every visitor shares). The configuration is a plain session key,
not a widget key, so it survives page switches; the widgets are drawn from it (ui/controls.py).
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from rnn_core.config import FIELDS, LabConfig, from_mapping, to_query_params
from rnn_core.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, ngettext

CFG = "cfg"  # LabConfig: every setting
SERIES = "series"  # SeriesData: the data currently loaded
RUN = "run"  # experiment.Run: the current (last trained) models
RACE = "race"  # race.Race: the last cell race (one Run per cell on the same windows)
RACE_SHOWN = "race_shown"  # bool: the Train screen shows the race (trained last), not the run
PREVIOUS_RUN = "previous_run"  # the run before it, kept when a new one fails
EVALUATION = "evaluation"  # memo name of the current run's Evaluation
NOTES = "link_notes"  # plain-words notes about ignored link parameters
HIDDEN = "hidden_controls"  # set of field names a teacher's link hides
LOCKED = "locked_controls"  # set of field names a teacher's link locks
MESSAGE = "flash"  # (kind, text, page link or None) shown once by the next page run
LANG = "language"  # "en" | "zh": the language of every page (?lang=zh), a UI setting

_URL_ONLY = ("hide", "lock", "lang", "lesson", "step", "compact")  # lesson= … : ui/lessons_ui.py


def _names(raw: str) -> set[str]:
    return {n.strip() for n in str(raw).split(",") if n.strip() in FIELDS}


def init_session() -> None:
    """Once per session: read the link's query parameters into the configuration."""
    if CFG in st.session_state:
        return
    params = {k: st.query_params[k] for k in st.query_params}
    cfg, notes = from_mapping({k: v for k, v in params.items() if k not in _URL_ONLY})
    unknown = sorted(set(params) - set(FIELDS) - set(_URL_ONLY))
    if unknown:
        notes.append(ngettext("Ignored unknown link parameter: {names}.",
                              "Ignored unknown link parameters: {names}.", len(unknown)).format(
            names=", ".join(u[:30] for u in unknown)))
    st.session_state[CFG] = cfg
    st.session_state[NOTES] = notes
    st.session_state[HIDDEN] = _names(params.get("hide", ""))
    st.session_state[LOCKED] = _names(params.get("lock", ""))
    st.session_state[LESSON_LINK] = {k: params[k] for k in ("lesson", "step", "compact")
                                     if k in params}


def language() -> str:
    """The session's language: the link's `lang=` at first, then the sidebar switch's choice."""
    try:
        if LANG not in st.session_state:
            raw = st.query_params.get("lang", DEFAULT_LANGUAGE)
            st.session_state[LANG] = raw if raw in LANGUAGES else DEFAULT_LANGUAGE
        return st.session_state[LANG]
    except Exception:  # no script run (a plain import, a thread of its own): the default
        return DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    st.session_state[LANG] = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def cfg() -> LabConfig:
    return st.session_state[CFG]


def set_cfg(new: LabConfig) -> None:
    st.session_state[CFG] = new


def sync_url(extra: dict[str, str] | None = None) -> None:
    """Mirror the configuration into the URL: only what differs from the defaults and matters
    for the current source and task (config.relevant_fields), plus a teacher's hide/lock and
    the language when it is not English, and the page's own `extra` (a lesson and step)."""
    wanted = {**to_query_params(cfg(), only_relevant=True), **(extra or {})}
    for key, names in (("hide", HIDDEN), ("lock", LOCKED)):
        if st.session_state.get(names):
            wanted[key] = ",".join(sorted(st.session_state[names]))
    if language() != DEFAULT_LANGUAGE:
        wanted["lang"] = language()
    current = {k: st.query_params[k] for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def flash(kind: str, text: str, link: tuple[str, str, str] | None = None) -> None:
    """Queue a message ('info' | 'success' | 'warning' | 'error') for the next page run;
    `link` = (page path, label, icon) puts a link to that page right under it."""
    st.session_state[MESSAGE] = (kind, text, link)


def show_flash(where=None) -> None:
    """Show the queued message (once) and its page link, on the page or in a placeholder."""
    kind, text, link = st.session_state.pop(MESSAGE, (None, None, None))
    where = st if where is None else where.container()
    if kind:
        getattr(where, kind)(text)
    if link:
        try:
            where.page_link(link[0], label=_(link[1]), icon=link[2])
        except StreamlitPageNotFoundError:
            pass  # the page was started as its own entry point (a test of that page alone)


def forget_notes() -> None:
    """Drop the link's notes: they spoke of settings the student has replaced (a new source,
    a preset)."""
    st.session_state[NOTES] = []


# ----- the current run: this module is its only writer -------------------------------------------
# A student's runs live here, never in st.cache_resource. `install_run` makes a new run current
# (the one before becomes the previous, so nothing is lost); `update_run` stores a newer state of
# the same run (a checkpoint of the live loop, a step); `restore_previous` puts the previous one
# back when a new run had nothing worth keeping.

def current_run():
    """The session's current run (a rnn_core.experiment.Run), or None."""
    return st.session_state.get(RUN)


def previous_run():
    return st.session_state.get(PREVIOUS_RUN)


def install_run(run) -> None:
    """`run` becomes the current run; the current one, if any, is kept as the previous."""
    if st.session_state.get(RUN) is not None:
        st.session_state[PREVIOUS_RUN] = st.session_state[RUN]
    st.session_state[RUN] = run
    st.session_state[RACE_SHOWN] = False  # the Train screen shows (and trains) the run now


def update_run(run) -> None:
    """A newer state of the current run (same lineage: a checkpoint or one more epoch)."""
    st.session_state[RUN] = run
    st.session_state[RACE_SHOWN] = False


# The cell race (rnn_core.race.Race): one per session, beside the run; the Train screen shows
# whichever of the two was trained last (RACE_SHOWN).
def current_race():
    """The session's last cell race, or None."""
    return st.session_state.get(RACE)


def install_race(race) -> None:
    """`race` becomes the session's race (the one before is dropped) and the Train screen's."""
    st.session_state[RACE] = race
    st.session_state[RACE_SHOWN] = True


def update_race(race) -> None:
    """A newer state of the current race (a checkpoint of the live loop)."""
    install_race(race)


def race_shown() -> bool:
    """Does the Train screen show (and its loop train) the race rather than the run?"""
    return bool(st.session_state.get(RACE_SHOWN)) and current_race() is not None


def restore_previous():
    """Put the previous run back as the current one; returns it (None if there was none)."""
    previous = st.session_state.get(PREVIOUS_RUN)
    st.session_state[RUN] = previous
    return previous


# ----- one memo helper ---------------------------------------------------------------------------
def run_key(run, *settings) -> tuple:
    """Names a run's state for a memo: its own id (never id(), which Python reuses), the epochs
    it has trained, and whatever settings the memoised value depends on."""
    return (run.uid, run.epochs_done, *settings)


def remember(name: str, key: tuple, value) -> None:
    """Keep `value` as the latest result named `name`, valid for `key`."""
    st.session_state[f"memo_{name}"] = (key, value)


def recall(name: str, key: tuple):
    """The value remembered under `name` if it was stored for this `key`, else None."""
    kept = st.session_state.get(f"memo_{name}")
    return kept[1] if kept is not None and kept[0] == key else None


def memo(name: str, key: tuple, compute):
    """compute() once per `key`: the session keeps the latest (key, value) under `name`."""
    kept = st.session_state.get(f"memo_{name}")
    if kept is None or kept[0] != key:
        remember(name, key, compute())
    return st.session_state[f"memo_{name}"][1]


# ----- every other session key of the app: one home (each feature's module imports its own) -----
# Widget keys (key="train_btn") stay beside their widgets; these keys hold a student's state.
# data (ui/data.py)
DATA_KEY = "series_key"  # the settings the loaded series came from
LOAD_ERROR = "load_error"  # the plain-words reason of the last failed load
UPLOAD = "upload_bytes"  # (bytes, file name, digest) of the last upload, so a rerun can re-parse
AUTOLOAD = "autoload_tried"  # the settings an automatic first load was tried with
UPLOAD_OPTIONS = "upload_options"  # (time column, value column, missing rule, day first|None)
UPLOAD_COLUMNS = "upload_columns"  # (digest, CsvColumns or the refusal's words) of the upload
UPLOAD_REFUSED = "upload_refused"  # ((key, window), words) of the last refused upload
CONTROL_REFUSAL = "control_refusal"  # (field, words) of the value a control just refused
PRESET_APPLIED = "preset_applied"  # the key of the preset applied last
# training (ui/training.py) and model files (ui/model_upload.py)
TRAINING = "training"  # bool: the loop should run
TARGET = "target_epochs"  # the epoch count the loop trains to
TRAINING_OWNER = "training_owner"  # token of the script run that owns the loop
TRAIN_LANE = "train_lane"  # rnn_core.pooled.Lane: this session's one chunk in flight
FALLBACK = "diverged_fallback"  # the run put back because a new one diverged in epoch 1
MODEL_LOADED = "model_file_digest"  # the last model file handled, so a rerun does not redo it
MODEL_PENDING = "model_file"  # (name, bytes) of an uploaded model file not handled yet
# memo names (see memo above) and views
BANDS = "seed_bands"  # Compare: ({"RNN": (n_seeds, horizon)}, summary sentence)
RACE_EVALUATION = "race_evaluation"  # memo name of the current race's Evaluation
RACE_BANDS = "race_bands"  # Compare: ({"GRU": (n_seeds, horizon), …}, a sentence per cell)
GRADCHECK = "inside_gradcheck"  # Inside: the table of the last gradient check
LEAKAGE = "inside_leakage"  # Inside: the Leakage of the last comparison
INSIDE_DEFAULT = "inside_default_run"  # Inside: a Run at initialisation on the current data
INSIDE_STEP = "inside_step_t"  # Inside: the step shown by the worked example
INSIDE_CELLS = "inside_cells"  # Inside: memo name of one run per cell, for the cell views
INSIDE_CELL_MEMORY = "inside_cell_memory"  # Inside: memo name of the memory curves per cell
# sweeps (ui/sweep_ui.py)
SWEEP_ROWS = "sweep_rows"  # list of (cfg, result) of the last sweep, filled as runs finish
SWEEP_TOTAL = "sweep_total"  # how many runs the last sweep has
SWEEP_PENDING = "sweep_pending"  # the configs of a sweep the Run button asked for
SWEEP_OWNER = "sweep_owner"  # token of the script run that owns the sweep loop
MEMORY_ROWS = "memory_rows"  # list of result dicts of the last long-memory sweep
MEMORY_PENDING = "memory_pending"  # the configs of a long-memory sweep the button asked for
MEMORY_OWNER = "memory_owner"  # token of the script run that owns the long-memory loop
# guided lessons (ui/lessons_ui.py)
LESSON_LINK = "lesson_link"  # {"lesson", "step", "compact"} of the link, read once by the page
LESSON = "lesson_current"  # (lesson key, step index) the student is on
LESSON_APPLIED = "lesson_applied"  # (lesson key, step index) whose settings were last applied
LESSON_PROGRESS = "lesson_progress"  # {(lesson, step): {"prediction", "run", "revealed"}}
LESSON_COMPACT = "lesson_compact"  # bool: projector mode (one step per screen, no sidebar)
LESSON_REVEAL = "lesson_reveal"  # memo name of the current step's (Reveal, Observation)
