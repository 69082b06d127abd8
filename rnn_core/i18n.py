"""Translations: the standard gettext catalogues under `locale/`, one language per script run.

    _("Train")              -> "训练" when the language of this run is zh, else "Train"
    N_("Hidden units")      -> marks a module-level constant for extraction; translate it
                               where it is shown, with _(FIELDS[name].label)
    ngettext("{n} epoch", "{n} epochs", n)

English is the source language (the msgids). The catalogues are `locale/<lang>/LC_MESSAGES/
<domain>.po` (edited by people, extracted with Babel: see locale/README.md) and the compiled
`<domain>.mo` beside it (read here by the standard library's gettext). The language is a
context variable: each Streamlit session's script run sets it (`set_language`), so two
students with two languages on one server never see each other's.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import gettext
from functools import lru_cache
from pathlib import Path
from typing import Callable

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAINS = ("rnnlab", "lessons")  # the app's strings; the guided lessons' texts
LANGUAGES = {"en": "English", "zh": "中文"}  # code -> the language's own name
DEFAULT_LANGUAGE = "en"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("rnnlab_language")
# Asked when this context has not set a language yet: a widget's callback runs in the script
# thread before the page's first line (ui/layout.py points it at the session's choice).
_fallback: list[Callable[[], str]] = [lambda: DEFAULT_LANGUAGE]


@lru_cache(maxsize=None)
def _catalogue(lang: str) -> gettext.NullTranslations:
    """One language's catalogues, chained: a msgid missing from the first is looked up in the
    next."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    first, *rest = (gettext.translation(d, localedir=LOCALE_DIR, languages=[lang], fallback=True)
                    for d in DOMAINS)
    for more in rest:
        first.add_fallback(more)
    return first


def set_language(lang: str) -> str:
    """Use `lang` for this run's strings (an unknown code falls back to English); returns it."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(lang)
    return lang


def set_language_source(source: Callable[[], str]) -> None:
    """Where to read the language when this context has not set one (see `_fallback`)."""
    _fallback[0] = source


def current_language() -> str:
    lang = _language.get(None)
    if lang is None:
        lang = _fallback[0]()
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return lang


def _(message: str) -> str:
    """`message` in the current language (itself when there is no translation)."""
    return _catalogue(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return _catalogue(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (module-level constants)."""
    return message


def format_date(day: _dt.date | str) -> str:
    """A date in running text: 2024-01-05 in English (ISO, as the app has always written it),
    2024年1月5日 in Chinese. Accepts a date, a datetime, a pandas Timestamp or an ISO string."""
    if isinstance(day, str):
        day = _dt.date.fromisoformat(day[:10])
    if current_language() == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day:%Y-%m-%d}"


def format_number(x: float, spec: str = "") -> str:
    """A number in running text: `format(x, spec)`, with the language's digit grouping for
    integers of five digits or more (English keeps the app's plain digits: 20000)."""
    text = format(x, spec)
    if current_language() == "zh" and isinstance(x, int) and abs(x) >= 10_000 and not spec:
        text = f"{x:,}"
    return text


def translated_labels(frame, index: bool = False):
    """A pandas DataFrame for display, its column labels and index name (and with `index`, its
    row labels) in the current language; the values are untouched. English: the frame itself."""
    if current_language() == DEFAULT_LANGUAGE:
        return frame

    def label(x):
        return _(x) if isinstance(x, str) and x else x

    shown = frame.rename(columns=label, index=label if index else None)
    return shown.rename_axis(label(frame.index.name))


# ----- extraction (Babel; used by `pybabel extract` through babel.cfg, never at run time) -----
COUNTED = "counted"  # rnn_core.words.counted(n, noun[, plural]): an ngettext in disguise


def extract_python(fileobj, keywords, comment_tags, options):
    """A Babel extractor for Python that reads the syntax tree, so calls inside f-strings
    (f"{counted(n, 'epoch')} done") are found too, and reads `counted(n, "epoch")` as
    ngettext("{n} epoch", "{n} epochs", n), the form rnn_core.words looks up at run time.

    Yields Babel's (lineno, funcname, messages, comments). A message that is not a literal
    string (`_(f"...")`, `_(name)`) is yielded as None, which Babel skips and the translation
    tests report. A `# TRANSLATORS: ...` comment on the line above a call is passed on."""
    import ast

    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = source.splitlines()
    wanted = set(keywords) | {COUNTED}

    def literal(node):
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
            else None

    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):  # in reading order
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr \
            if isinstance(func, ast.Attribute) else None
        if name not in wanted or (isinstance(func, ast.Attribute) and name != COUNTED
                                  and name not in ("ngettext", "gettext")):
            continue  # st.caption(...).N_ is no message; i18n.ngettext(...) is
        args = [literal(a) for a in node.args]
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        comments = [above[1:].strip()] if any(above[1:].strip().startswith(t)
                                               for t in comment_tags) and above[:1] == "#" \
            else []
        if name == COUNTED:
            if len(args) < 2 or args[1] is None:
                continue  # a computed noun cannot be extracted: words.py says so
            plural = args[2] if len(args) > 2 and args[2] is not None else args[1] + "s"
            yield node.lineno, "ngettext", (f"{{n}} {args[1]}", f"{{n}} {plural}"), comments
        elif args:
            yield node.lineno, name, tuple(args) if len(args) > 1 else args[0], comments


def in_language(lang: str, fn, *args):
    """fn(*args) with `lang` as the language: how a worker process (loky, Dask), which has
    no session, writes its messages in the language of the student who sent the work.
    Picklable with functools.partial(in_language, current_language(), fn)."""
    set_language(lang)
    return fn(*args)
