"""Lessons: guided steps a teacher runs in class — predict, run, then see this run's numbers."""

import streamlit as st

from rnn_core.i18n import _
from ui import layout, lessons_ui

layout.page_setup("Lessons", ":material/school:",
                  sidebar="collapsed" if lessons_ui.compact_link() else "auto")
if not lessons_ui.compact():
    st.title(f":material/school: {_('Lessons')}")
lessons_ui.page()
layout.finish_page(lessons_ui.address())
