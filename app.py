"""ScaleScope: see how images and CNNs deal with scale. Run with ``streamlit run app.py``."""

import streamlit as st

from core.device import configure_threads
from ui.catalogue import LESSONS
from ui.present import presenting
from ui.uploads import limit_pending_uploads, start_upload_sweeper
from ui.widgets import image_picker


@st.cache_resource(show_spinner=False)
def _start_up() -> int:
    """Process-wide settings, applied once by the first run: torch's thread count, the upload sweeper."""
    start_upload_sweeper()
    return configure_threads()


# A projected lesson needs the whole 1280 px: the sidebar starts folded in classroom mode.
st.set_page_config(page_title="ScaleScope", page_icon="🔺", layout="wide",
                   initial_sidebar_state="collapsed" if presenting() else "auto")
_start_up()
limit_pending_uploads()

pages = [st.Page("app_pages/home.py", title="Home", icon="🏠", default=True)]
pages += [st.Page(lesson.script, title=lesson.title, icon=lesson.icon, url_path=lesson.url_path)
          for lesson in LESSONS if lesson.script]
navigation = st.navigation(pages)

st.session_state["picked_image"] = image_picker()
navigation.run()
