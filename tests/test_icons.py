"""Icons render on every machine: Material Symbols (bundled with Streamlit), never emoji, which
many Linux lab machines without an emoji font show as empty boxes."""

from __future__ import annotations

import re

from apphelpers import ROOT, app_test

EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]")


def test_no_page_or_ui_module_uses_an_emoji():
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    found = [f"{f.name}:{n}" for f in files
             for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
             if EMOJI.search(line)]
    assert not found, found


def test_every_sidebar_link_has_a_material_icon():
    at = app_test("app.py")
    at.run()
    links = at.get("page_link")
    assert len(links) >= 6
    assert all(link.proto.icon.startswith(":material/") for link in links), \
        [link.proto.icon for link in links]
