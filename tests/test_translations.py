"""English and Simplified Chinese: the catalogues cover every string, the pages show no English
left over in Chinese, the language follows the link and the sidebar switch.

The catalogues are standard gettext files (locale/README.md). These tests extract the messages
from the source with Babel's API, exactly as `pybabel extract -F babel.cfg` does, so a string
wrapped in `_()` but never translated fails here, listed by its msgid.
"""

from __future__ import annotations

import ast
import io
import json
import re
import string
from pathlib import Path

import pytest

from apphelpers import ROOT, app_test, open_with_link, page_errors
from rnn_core import i18n
from rnn_core.presets import PRESETS

babel = pytest.importorskip("babel", reason="Babel extracts the catalogues: pip install babel")
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.frontend import parse_mapping_cfg  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

LOCALE = ROOT / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LESSON_FILES = ("pages/6_Lessons.py", "ui/lessons_ui.py", "rnn_core/lessons.py",
                "rnn_core/lessons")  # their own domain, lessons.po


# ----- catalogues --------------------------------------------------------------------------------
def _catalogue(lang: str, domain: str):
    path = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return None
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def _extracted(lessons: bool) -> dict[str, list[str]]:
    """msgid -> where it is used, from the app's source (babel.cfg's mapping and extractor);
    with `lessons`, from the guided lessons' files instead (the lessons domain)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    if lessons:  # the same extractor over the files babel.cfg leaves to the lessons catalogue
        python = next(m for pattern, m in method_map if pattern == "**.py")
        method_map = [(p if p.endswith(".py") else p + "/**.py", python) for p in LESSON_FILES]
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _translated(catalogues) -> set[str]:
    out = set()
    for cat in catalogues:
        for msg in cat or ():
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            if msg.id and all(strings) and not msg.fuzzy:
                out.add(msg.id[0] if isinstance(msg.id, tuple) else msg.id)
    return out


def _untranslated(found: dict[str, list[str]], translated: set[str]) -> list[str]:
    return [f"{where[0]}: {msgid!r}" for msgid, where in sorted(found.items())
            if msgid not in translated]


def test_every_app_message_has_a_chinese_translation():
    translated = _translated([_catalogue("zh", "rnnlab"), _catalogue("zh", "lessons")])
    missing = _untranslated(_extracted(lessons=False), translated)
    assert not missing, f"{len(missing)} msgids without a zh translation:\n" + "\n".join(missing)


def test_every_lesson_message_has_a_chinese_translation():
    found = _extracted(lessons=True)
    assert len(found) > 100, "the extractor found almost no lesson strings"
    translated = _translated([_catalogue("zh", "lessons"), _catalogue("zh", "rnnlab")])
    missing = _untranslated(found, translated)
    assert not missing, f"{len(missing)} msgids without a zh translation:\n" + "\n".join(missing)


def test_the_coverage_check_finds_a_missing_translation():
    assert _untranslated({"A sentence nobody translated": ["x.py:1"]}, {"Data"}) \
        == ["x.py:1: 'A sentence nobody translated'"]
    assert "Data" in _translated([_catalogue("zh", "rnnlab")])


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_each_compiled_catalogue_is_its_po_compiled(domain):
    """The committed .mo is exactly what compiling the .po gives (not older, not edited)."""
    cat = _catalogue("zh", domain)
    assert cat is not None, f"locale/zh/LC_MESSAGES/{domain}.po is missing"
    compiled = io.BytesIO()
    write_mo(compiled, cat)
    mo = LOCALE / "zh" / "LC_MESSAGES" / f"{domain}.mo"
    assert mo.exists(), f"{mo} missing: python -m babel.messages.frontend compile -d locale"
    assert mo.read_bytes() == compiled.getvalue(), \
        f"{mo.name} differs from {domain}.po compiled: run the compile step of locale/README.md"


def _fields(text: str) -> list[str]:
    """The format fields of a str.format template, with spec and conversion ('{x:.3g}'), and
    plotly's %{...} references, sorted: what a translation must keep."""
    out = [f"%{{{m}}}" for m in re.findall(r"%\{(\w+)\}", text)]
    for _literal, name, spec, conv in string.Formatter().parse(re.sub(r"%\{\w+\}", "", text)):
        if name is not None:
            out.append(f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}")
    return sorted(out)


@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_translation_keeps_its_placeholders(domain):
    cat = _catalogue("zh", domain)
    assert cat is not None, f"locale/zh/LC_MESSAGES/{domain}.po is missing"
    wrong = []
    for msg in cat:
        if not msg.id:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        for s in strings:
            if s and _fields(s) != _fields(ids[-1 if len(ids) > 1 else 0]) \
                    and _fields(s) != _fields(ids[0]):
                wrong.append(f"{ids[0]!r}: {_fields(ids[0])} -> {s!r}: {_fields(s)}")
    assert not wrong, "\n".join(wrong)


def test_the_placeholder_check_sees_names_specs_and_plotly_references():
    assert _fields("RMSE {rmse:.4g} of {n} at %{y}") == ["%{y}", "{n}", "{rmse:.4g}"]
    assert _fields("{n} 轮") == ["{n}"] and _fields("{}") == ["{}"]


def _marked_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in KEYWORDS and node.args:
            yield node


def test_no_message_is_built_before_it_is_translated():
    """_(f"...") or _("a" + b) cannot be extracted: the template is translated, then filled."""
    bad = []
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"),
                 *ROOT.glob("rnn_core/**/*.py")]:
        if path == ROOT / "rnn_core" / "words.py":
            continue  # counted() itself: the extractor reads its callers' literal nouns
        for call in _marked_calls(ast.parse(path.read_text(encoding="utf-8"))):
            for arg in call.args[:2 if call.func.id == "ngettext" else 1]:
                if isinstance(arg, (ast.JoinedStr, ast.BinOp)) or (
                        isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format"):
                    bad.append(f"{path.relative_to(ROOT)}:{call.lineno}: {ast.unparse(call)[:80]}")
    assert not bad, "\n".join(bad)


def test_the_extractor_reads_f_strings_and_counted():
    source = (b"st.caption(f\"{counted(n, 'epoch')} and {_('a b')}\")\n"
              b"counted(k, \"step's\", \"steps'\")\nN_('c')\n_(f'{x} y')\n")
    found = list(i18n.extract_python(io.BytesIO(source), list(KEYWORDS), [], {}))
    assert [(f, m) for _line, f, m, _c in found] == [
        ("ngettext", ("{n} epoch", "{n} epochs")), ("_", "a b"),
        ("ngettext", ("{n} step's", "{n} steps'")), ("N_", "c"), ("_", None)]


# ----- run time ----------------------------------------------------------------------------------
def test_chinese_strings_counts_and_dates():
    from rnn_core.words import counted

    token = i18n._language.set("zh")
    try:
        assert i18n._("Train") == "训练"
        assert counted(3, "epoch") == "3 轮" and counted(1, "hidden unit") == "1 个隐藏单元"
        assert i18n.format_date("2024-01-05") == "2024年1月5日"
    finally:
        i18n._language.reset(token)
    assert i18n._("Train") == "Train" and counted(3, "epoch") == "3 epochs"
    assert i18n.format_date("2024-01-05") == "2024-01-05"


# ----- every page in Chinese: no English left over -----------------------------------------------
# Words that stay as they are in Chinese text: names, acronyms, symbols and units. A run of two
# or more English words anywhere else is a string that escaped translation.
ALLOWED_RUNS = {
    "rnn lab", "yahoo finance", "elman rnn", "noto sans", "material symbols", "numpy rnn",
    "x t", "y t", "h t", "relu", "tanh", "adam", "sgd", "mlp", "rnn", "gru", "lstm",
    "jan", "ten",  # the date example "31 Jan 2024"; a test's typed value
    "yyyy-mm-dd",  # the date format the Data page asks for
}
_WORD = r"(?<![A-Za-z0-9_\\/.])[A-Za-z][A-Za-z']+(?![A-Za-z0-9_(])"
ENGLISH_RUN = re.compile(rf"{_WORD}(?:[ \-]+{_WORD})+")
_NOT_TEXT = [
    re.compile(r":material/\w+:"),  # icons
    re.compile(r"https?://\S+"),  # links
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r"\$[^$]*\$"),  # inline LaTeX
    re.compile(r"<[^>]+>"),  # HTML tags in chart labels (<br>, <sub>)
]
_TEXT_FIELDS = {"label", "body", "help", "options", "placeholder", "text", "title", "caption",
                "message", "delta", "default_value"}


def english_runs(text: str) -> list[str]:
    """Runs of two or more English words in `text`, outside the allow-list."""
    for pattern in _NOT_TEXT:
        text = pattern.sub(" ", text)
    return [run for run in (m.group(0) for m in ENGLISH_RUN.finditer(text))
            if run.lower() not in ALLOWED_RUNS]


def test_the_english_detector_finds_leftovers_and_spares_symbols():
    assert english_runs("训练 Stopped after 3 epochs") == ["Stopped after"]
    assert english_runs("**数据：** sin(x) — 600 points · synthetic") == []  # single words
    assert english_runs("W_hh、GS10、GOOGL，y_t = tanh(W x_t)，Yahoo Finance 的 RMSE") == []
    assert english_runs(":material/show_chart: 数据 · `st.write(x)`") == []
    assert english_runs("learning rate 学习率") == ["learning rate"]


def _strings_of(message, out: list[str]) -> None:
    """The user-visible strings of one element's protobuf: labels, bodies, help texts, options;
    a Plotly figure's titles, legend names and annotations; a table's column headings."""
    for field, value in message.ListFields():
        name = field.name
        if field.type == field.TYPE_MESSAGE:
            for sub in (value if field.is_repeated else [value]):
                _strings_of(sub, out)
        elif name == "spec" and isinstance(value, str):  # plotly
            _figure_strings(json.loads(value), out)
        elif name == "columns" and isinstance(value, str) and value.startswith("{"):
            for conf in json.loads(value).values():  # st.column_config labels and help
                if isinstance(conf, dict):
                    out += [str(conf[k]) for k in ("label", "help") if conf.get(k)]
        elif name in _TEXT_FIELDS:
            out += [v for v in (value if field.is_repeated else [value])
                    if isinstance(v, str)]


def _figure_strings(fig: dict, out: list[str]) -> None:
    layout = fig.get("layout", {})

    def title(obj):
        t = (obj or {}).get("title")
        return t.get("text") if isinstance(t, dict) else t

    out += [str(t) for t in [title(layout), *(title(v) for k, v in layout.items()
                                             if k.startswith(("xaxis", "yaxis")))] if t]
    out += [str(a.get("text", "")) for a in layout.get("annotations", [])]
    out += [str(s.get("label", "")) for s in layout.get("shapes", []) if "label" in s]
    for trace in fig.get("data", []):
        out += [str(trace[k]) for k in ("name", "hovertemplate") if trace.get(k)]
        bar = (trace.get("colorbar") or {})
        if title(bar):
            out.append(str(title(bar)))


def shown_strings(at) -> list[str]:
    out: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            _strings_of(proto, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for frame in at.dataframe:  # headings that are the frame's own labels
        value = frame.value
        out += [str(c) for c in getattr(value, "columns", [])]
        out += [str(value.index.name or "")] + [str(i) for i in value.index
                                                if isinstance(i, str)]
    return out


def leftovers(at) -> list[str]:
    found = []
    for text in shown_strings(at):
        found += [f"{run!r} in {text[:90]!r}" for run in english_runs(text)]
    return sorted(set(found))


SHORT = {"epochs": "3", "n_points": "200", "n_hidden": "6", "window": "8", "lang": "zh"}


def _zh_page(page: str, at=None):
    """`page` opened from a link with lang=zh, or (given `at`) the session going on there."""
    if at is None:
        return open_with_link(page, SHORT)
    at.switch_page(page).run()
    assert not page_errors(at), page_errors(at)
    return at


@pytest.mark.parametrize("page", ["app.py", "pages/1_Data.py", "pages/2_Train.py",
                                  "pages/4_Inside.py", "pages/5_Sweep.py"])
def test_every_page_in_chinese_shows_no_english_before_training(page):
    at = _zh_page(page)
    assert not leftovers(at), "\n".join(leftovers(at))


def test_training_comparing_and_looking_inside_in_chinese_show_no_english():
    at = _zh_page("pages/2_Train.py")
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    found = {"Train": leftovers(at)}
    for page in ("pages/3_Compare.py", "pages/4_Inside.py", "pages/1_Data.py", "app.py"):
        found[page] = leftovers(_zh_page(page, at))
    found = {k: v for k, v in found.items() if v}
    assert not found, "\n".join(f"{k}: {v}" for k, vs in found.items() for v in vs)


def test_a_sweep_in_chinese_shows_no_english():
    at = _zh_page("pages/5_Sweep.py")
    at.text_input(key="sw_windows").set_value("5, 8").run()
    at.text_input(key="sw_hidden").set_value("4").run()
    at.number_input(key="sw_seeds").set_value(2).run()
    at.button(key="sweep_run").click().run()
    assert not page_errors(at), page_errors(at)
    assert at.session_state["sweep_rows"]
    assert not leftovers(at), "\n".join(leftovers(at))


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_applied_and_trained_in_chinese_shows_no_english(key):
    """Offline, the network presets fail (in words) or fall back to bundled data: either way
    every page they lead to speaks Chinese."""
    at = _zh_page("app.py")
    at.button(key=f"preset_{key}").click().run()
    found = {"app.py": leftovers(at)}
    at.switch_page("pages/2_Train.py").run()
    at.number_input(key="w_epochs").set_value(3).run()
    at.button(key="train_btn").click().run()
    found["pages/2_Train.py"] = leftovers(at)
    for page in ("pages/3_Compare.py", "pages/4_Inside.py", "pages/1_Data.py"):
        found[page] = leftovers(_zh_page(page, at))
    found = {k: v for k, v in found.items() if v}
    assert not found, "\n".join(f"{k}: {v}" for k, vs in found.items() for v in vs)


@pytest.mark.parametrize("fixture", ["ambiguous_slashes.csv", "no_numbers.csv", "latin1.csv"])
def test_an_uploaded_csv_in_chinese_is_explained_without_english(fixture):
    from test_pages import FIXTURES, upload

    path = FIXTURES / "csv" / fixture
    at = _zh_page("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("csv").run()
    upload(at, fixture, path.read_bytes()).run()
    assert not page_errors(at), page_errors(at)
    assert at.info or at.error
    assert not leftovers(at), "\n".join(leftovers(at))


def test_the_lessons_page_in_chinese_shows_no_english():
    at = _zh_page("pages/6_Lessons.py")
    assert not leftovers(at), "\n".join(leftovers(at))


def test_an_english_page_fails_the_check():
    """The check is real: the same page in English is full of English runs."""
    at = _zh_page("pages/1_Data.py")
    at.session_state["language"] = "en"
    at.run()
    assert len(leftovers(at)) > 5


# ----- the language in the link and in the sidebar -----------------------------------------------
def _sidebar_links(at) -> list[str]:
    return [link.label for link in at.sidebar.get("page_link")]


def test_lang_zh_in_the_link_opens_in_chinese_and_survives_a_page_change():
    at = app_test("app.py")
    at.query_params["lang"] = "zh"
    at.query_params["window"] = "12"
    at.query_params["hide"] = "seed"
    at.run()
    assert "数据" in _sidebar_links(at) and at.subheader[0].value == "第一个实验"
    at.switch_page("pages/1_Data.py").run()
    assert at.title[0].value.endswith("数据")
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"
    at.switch_page("pages/2_Train.py").run()
    assert not page_errors(at)
    assert "训练" in _sidebar_links(at) and at.button(key="train_btn").label == "训练"
    params = {k: at.query_params[k] for k in at.query_params}
    flat = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    assert flat.get("lang") == "zh" and flat.get("window") == "12" and flat.get("hide") == "seed"


def test_the_sidebar_switch_changes_the_language_of_every_page_and_of_the_link():
    at = app_test("app.py")
    at.run()
    assert "Data" in _sidebar_links(at) and "lang" not in at.query_params
    at.segmented_control(key="lang_switch").set_value("zh").run()
    assert "数据" in _sidebar_links(at)
    assert "lang" in at.query_params
    at.switch_page("pages/1_Data.py").run()
    assert at.title[0].value.endswith("数据")
    at.run()  # a rerun keeps it
    assert at.title[0].value.endswith("数据")
    at.segmented_control(key="lang_switch").set_value("en").run()
    assert at.title[0].value.endswith("Data") and "lang" not in at.query_params


def test_an_unknown_language_in_the_link_falls_back_to_english():
    at = app_test("app.py")
    at.query_params["lang"] = "xx"
    at.run()
    assert not page_errors(at)
    assert "Data" in _sidebar_links(at)
    assert not any("lang" in note for note in at.session_state["link_notes"])


def test_two_sessions_keep_their_own_language():
    zh, en = app_test("app.py"), app_test("app.py")
    zh.query_params["lang"] = "zh"
    zh.run()
    en.run()
    zh.run()
    assert "数据" in _sidebar_links(zh) and "Data" in _sidebar_links(en)
    assert Path(i18n.LOCALE_DIR).is_dir()


# ----- a real browser: Chinese glyphs, not boxes -------------------------------------------------
from test_browser import server  # noqa: E402, F401  (the real server: one per module)


# Each text drawn alone on a canvas, in the page's own font stack: a missing font draws every
# character as the same ".notdef" box (tofu), so two different characters give the same pixels,
# and the same pixels as a private-use code point no font has a glyph for.
GLYPHS_JS = """(texts) => {
    const font = getComputedStyle(document.querySelector('h1')).fontFamily;
    return texts.map(t => {
        const c = document.createElement('canvas');
        c.width = 64; c.height = 40;
        const g = c.getContext('2d');
        g.font = `32px ${font}`;
        g.fillText(t, 4, 32);
        return c.toDataURL();
    });
}"""


def _platform_fonts(page, selector: str) -> list[str]:
    """The fonts Chromium actually used for an element's text (DevTools' "Rendered fonts")."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f.get("glyphCount", 0) > 0]


@pytest.mark.browser
def test_chinese_pages_render_real_glyphs_in_headless_chromium(server, chromium):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server.url}/?lang=zh&epochs=5&n_points=200")
        page.wait_for_selector("text=一键复现教程")
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        boxes = page.evaluate(GLYPHS_JS, ["训", "练", "\ue000", "A"])
        assert boxes[0] != boxes[1], "两个不同的汉字画成了同一个方框（tofu）"
        assert boxes[0] != boxes[2] and boxes[1] != boxes[2], "汉字画成了缺字方框（tofu）"
        fonts = _platform_fonts(page, '[data-testid="stMain"] h3')  # 第一个实验
        assert any("CJK" in f or "Hei" in f or "Song" in f or "Noto Sans SC" in f
                   for f in fonts), fonts
        ARTIFACTS = ROOT / "test-artifacts"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "zh_home.png"), full_page=True)
        page.locator('[data-testid="stSidebar"] a', has_text="训练").first.click()
        page.wait_for_selector('h1:has-text("训练")')
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        page.wait_for_selector(".st-key-w_n_hidden input")
        page.wait_for_timeout(500)  # let the widgets paint before the screenshot
        assert "lang=zh" in page.url
        page.screenshot(path=str(ARTIFACTS / "zh_train.png"), full_page=True)
        page.locator(".st-key-lang_switch").get_by_text("English", exact=True).click()
        page.wait_for_selector('h1:has-text("Train")')
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        # the address follows the rerun's query parameters a moment after the page has drawn
        page.wait_for_function("!window.location.search.includes('lang=')", timeout=15_000)
    finally:
        context.close()
