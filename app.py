"""ScaleScope: see how images and CNNs deal with scale. Run with ``streamlit run app.py``."""

import streamlit as st

from core.device import configure_threads
from ui.catalogue import LESSONS
from ui.widgets import image_picker

st.set_page_config(page_title="ScaleScope", page_icon="🔺", layout="wide")
configure_threads()

pages = [st.Page("app_pages/home.py", title="Home", icon="🏠", default=True)]
pages += [st.Page(lesson.script, title=lesson.title, icon=lesson.icon, url_path=lesson.url_path)
          for lesson in LESSONS if lesson.script]
navigation = st.navigation(pages)

st.session_state["picked_image"] = image_picker()
navigation.run()
