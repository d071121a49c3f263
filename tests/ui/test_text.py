"""User text shown literally: rendered through the same Markdown parser family Streamlit uses."""

import pytest
from markdown_it import MarkdownIt

from ui.text import USER_TEXT_LIMIT, literal, shorten

HOSTILE = [
    "[Session expired - sign in](http://evil.example/login)",
    "bad **bold** [link](http://evil.example).png",
    "_it_ *it* `code` <b>html</b> <a href='http://evil.example'>x</a>",
    "http://evil.example www.evil.example mail@evil.example",
    "# heading\n- list\n> quote",
    ":red[danger] $x^2$ ![img](http://evil.example/i.png)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_the_same_characters_and_no_markup(text):
    # markdown-it is an independent CommonMark implementation (with GFM autolinks enabled).
    html = MarkdownIt("gfm-like", {"linkify": True}).render(literal(text, limit=500))
    for tag in ("<a", "<strong", "<em", "<code", "<img", "<h1", "<ul", "<blockquote", "<b>"):
        assert tag not in html, (text, html)
    rendered = MarkdownIt("gfm-like", {"linkify": True}).renderInline(literal(text, limit=500))
    assert "\\" not in rendered.replace("\\\\", "")   # every backslash was an escape, consumed


def test_long_text_is_cut_to_the_limit_with_an_ellipsis():
    value = "x" * 10_000
    assert len(shorten(value)) == USER_TEXT_LIMIT and shorten(value).endswith("…")
    assert len(MarkdownIt().renderInline(literal(value))) <= USER_TEXT_LIMIT + 1
