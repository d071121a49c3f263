"""The bundled gallery: every photo has its licence, every sample loads."""

import tomllib

import numpy as np
import pytest

from core.samples import ASSETS, DEFAULT_SAMPLE, SAMPLES, get_sample

FREE_LICENCES = ("CC0", "Public domain", "CC-BY")


def test_every_file_in_assets_has_a_recorded_source_and_free_licence():
    manifest = tomllib.loads((ASSETS / "samples.toml").read_text())
    recorded = {entry["file"]: entry for entry in manifest["photo"]}
    images = {p.name for p in ASSETS.iterdir() if p.suffix in (".png", ".jpg", ".jpeg", ".webp")}
    assert images == set(recorded)
    for entry in recorded.values():
        assert entry["licence"].startswith(FREE_LICENCES), entry
        assert entry["source"] and entry["author"]
    sources = (ASSETS / "SOURCES.md").read_text()
    assert all(name in sources for name in images)


def test_the_gallery_has_the_promised_subjects_and_patterns():
    photos = {s.name for s in SAMPLES.values() if s.kind == "photo"}
    patterns = {s.name for s in SAMPLES.values() if s.kind == "pattern"}
    assert len(photos) >= 4 and len(SAMPLES) >= 6
    assert {"cat", "astronaut", "brick-wall", "grass"} <= photos
    assert {"zone-plate", "siemens-star", "checkerboard", "squares", "text"} <= patterns
    assert DEFAULT_SAMPLE in photos


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_sample_loads_as_rgb_uint8(name):
    pixels = get_sample(name).load()
    assert pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.dtype == np.uint8
    assert pixels.std() > 5   # not blank


def test_an_unknown_sample_lists_the_valid_names():
    with pytest.raises(ValueError, match="cat"):
        get_sample("../../etc/passwd")
