"""Home: what ScaleScope is, the lessons, and where the maths runs."""

import streamlit as st

from core.device import describe_device
from ui.catalogue import LESSONS
from ui.thumbnails import THUMBNAILS


@st.cache_resource(show_spinner=False)
def thumbnail(url_path: str):
    return THUMBNAILS[url_path]()


st.title("ScaleScope")
st.markdown(
    "**See how images and CNNs deal with scale.** Pick a sample or upload your own picture in the "
    "sidebar; it follows you from lesson to lesson. Every number is computed live on that image by "
    "a small PyTorch core, cross-checked against OpenCV.")
st.caption(f"Compute device: {describe_device()}")

columns = st.columns(3)
for i, lesson in enumerate(LESSONS):
    with columns[i % 3].container(border=True):
        st.image(thumbnail(lesson.url_path), width="stretch")
        if lesson.script:
            st.page_link(lesson.script, label=lesson.title, icon=lesson.icon)
        else:
            st.markdown(f"{lesson.icon} **{lesson.title}** · *coming soon*")
        st.caption(lesson.summary)
