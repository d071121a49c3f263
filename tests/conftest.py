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


def pytest_collection_modifyitems(items):
    # Everything under tests/e2e drives a real browser: mark it, so -m "not e2e" is the fast loop.
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
