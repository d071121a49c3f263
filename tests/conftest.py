"""Shared fixtures: the app's caches are process-wide, so every test starts with them empty."""

import pytest
import streamlit as st

from ui.cache import clear_cache


@pytest.fixture(autouse=True)
def _empty_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    clear_cache()
    yield
