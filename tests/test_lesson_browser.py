"""One whole lesson in a real headless Chromium against `streamlit run app.py`, in English and
in Chinese (lang=zh), at a projector's 1280×720: predict, lock in, run, read this run's reveal,
next step. Screenshots of every step are saved in test-artifacts/.
"""

from __future__ import annotations

import pytest

from rnn_core.lessons import LESSONS
# the real server (module fixture), the selectors and clicks of the app's browser test
from test_browser import ARTIFACTS, ERRORS, click_button, server, wait_idle  # noqa: F401

pytestmark = pytest.mark.browser

LESSON = "train"  # train and watch: two steps, each a real training run

# What the student clicks and reads, in each language (the lessons catalogue's words).
WORDS = {
    "en": {"choices": ("More than 10×", "Yes"), "lock": "Lock in my prediction", "run": "Run",
           "right": "Your prediction was right", "next": "Next",
           "titles": ("The loss curve", "Against persistence"), "reveal": "Over seeds 0–9"},
    "zh": {"choices": ("超过 10 倍", "是"), "lock": "锁定我的预测", "run": "运行",
           "right": "你的预测正确", "next": "下一步",
           "titles": ("损失曲线", "与持续性基线比较"), "reveal": "在种子 0–9"},
}


@pytest.fixture
def page(chromium):
    """A projector's screen: 1280×720."""
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    pg.set_default_timeout(180_000)  # a shared 2-core machine: training can queue
    yield pg
    context.close()


@pytest.mark.parametrize("lang, compact", [("en", False), ("zh", True)])
def test_a_whole_lesson_in_a_real_browser(server, page, lang, compact):  # noqa: F811
    query = f"lesson={LESSON}&step=1&lang={lang}" + ("&compact=1" if compact else "")
    page.goto(f"{server.url}/Lessons?{query}")
    wait_idle(page)
    try:
        walk_through(page, lang, len(LESSONS[LESSON].steps), compact)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)  # what the browser showed when it failed
        page.screenshot(path=str(ARTIFACTS / f"lesson_{LESSON}_{lang}_failed.png"))
        raise


def walk_through(page, lang: str, n_steps: int, compact: bool) -> None:
    """Every step: the title, predict, lock in, run, the reveal, a screenshot, Next."""
    words = WORDS[lang]
    for k in range(n_steps):
        page.wait_for_selector(f"text={words['titles'][k]}")
        wait_idle(page)
        assert page.locator(ERRORS).count() == 0
        if compact:  # projector mode: the sidebar is gone
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
        page.locator(f".st-key-lesson_q_{LESSON}_{k}").get_by_text(
            words["choices"][k], exact=True).click()
        wait_idle(page)
        click_button(page, "lesson_lock", words["lock"])
        wait_idle(page)
        click_button(page, "lesson_run", words["run"])
        page.wait_for_selector(f"text={words['right']}")
        wait_idle(page)
        assert words["reveal"] in page.locator("body").inner_text()
        assert page.locator(".js-plotly-plot").count() >= 1
        assert page.locator(ERRORS).count() == 0
        # the address names the lesson and the step (a teacher can link here)
        assert f"lesson={LESSON}" in page.url and f"step={k + 1}" in page.url
        ARTIFACTS.mkdir(exist_ok=True)  # one screen, as the projector shows it
        page.screenshot(path=str(ARTIFACTS / f"lesson_{LESSON}_{lang}_step{k + 1}.png"))
        if k + 1 < n_steps:
            click_button(page, "lesson_next", words["next"])
            wait_idle(page)
