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
import gettext
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAINS = ("rnnlab", "lessons")  # the app's strings; the guided lessons' texts
LANGUAGES = {"en": "English", "zh": "中文"}  # code -> the language's own name
DEFAULT_LANGUAGE = "en"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("rnnlab_language",
                                                                default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=None)
def _catalogue(lang: str) -> gettext.NullTranslations:
    """One language's catalogues, chained: a msgid missing from the first is looked up in the next."""
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


def current_language() -> str:
    return _language.get()


def _(message: str) -> str:
    """`message` in the current language (itself when there is no translation)."""
    return _catalogue(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return _catalogue(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (module-level constants)."""
    return message
