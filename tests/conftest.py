"""Shared fixtures: Streamlit's caches are process-wide, so every test starts with them empty."""

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def _empty_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
