"""Words for counts in messages: the one place that knows "1 epoch" from "2 epochs".

Plain Python, no Streamlit, so the core's error messages and the pages' captions share it.
Translated: `counted(n, "epoch")` is looked up as ngettext("{n} epoch", "{n} epochs", n) (the
extractor in rnn_core/i18n.py reads the call that way), so the noun must be a literal string.
"""

from __future__ import annotations

from rnn_core.i18n import format_number, ngettext


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` followed by `noun`, in the singular for exactly 1 and in the plural otherwise.

    The plural is `noun` + "s" unless `plural` gives it ("series", "matrices"); a noun of
    several words takes the ending on its last word, as written: "hidden unit" ->
    "hidden units". Zero and negative counts are plural, as English has them ("0 epochs").

    >>> counted(1, "epoch"), counted(3, "epoch")
    ('1 epoch', '3 epochs')
    >>> counted(1, "hidden unit"), counted(2, "hidden unit")
    ('1 hidden unit', '2 hidden units')
    >>> counted(2, "series", plural="series")
    '2 series'
    """
    plural = plural if plural is not None else noun + "s"
    return ngettext(f"{{n}} {noun}", f"{{n}} {plural}", n).format(n=format_number(n))
