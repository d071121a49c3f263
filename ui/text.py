"""User text on screen: shown literally, never as Markdown, and never at unbounded length.

Streamlit renders the body of ``st.error``, ``st.warning``, ``st.info``, ``st.success``,
``st.caption`` and ``st.markdown`` as GitHub-flavoured Markdown, so a file name such as
``bad **bold** [link](http://evil.example).png`` or a URL value would become bold text and a live
link inside the app's own alert box. CommonMark lets a backslash escape every ASCII punctuation
character, so escaping all of them leaves nothing for the parser to act on: no emphasis, links,
images, code, HTML, maths (``$``) or Streamlit directives (``:red[…]``); escaping ``:`` and
``.`` breaks GFM's bare-URL and ``www.`` autolinks for a CommonMark parser. Streamlit's renderer,
however, links web addresses *after* resolving escapes, so an invisible word joiner (U+2060) is
also put inside ``http:``, ``https:``, ``www.`` and before ``@``: the text reads the same, and no
linkifier sees an address.
"""

from __future__ import annotations

import re
import string

USER_TEXT_LIMIT = 80
_PUNCTUATION = frozenset(string.punctuation)
_AUTOLINK_PREFIX = re.compile(r"(?i)(?<=https)(?=\\:)|(?<=http)(?=\\:)|(?<=www)(?=\\\.)|(?<=\\@)")
_WORD_JOINER = "\u2060"


def shorten(text: object, limit: int = USER_TEXT_LIMIT) -> str:
    """``text`` as a string of at most ``limit`` characters, ending in "…" when cut.

    >>> shorten("x" * 100, 10)
    'xxxxxxxxx…'
    >>> shorten("cat.png")
    'cat.png'
    """
    value = str(text)
    value = " ".join(value.split())            # newlines would start new Markdown blocks
    return value if len(value) <= limit else value[:limit - 1] + "…"


def literal(text: object, limit: int = USER_TEXT_LIMIT) -> str:
    """User-supplied ``text``, shortened, with every Markdown-active character escaped.

    Put the result inside any Streamlit text element; it shows exactly the characters typed.

    >>> literal("bad **bold** [link](x).png")
    'bad \\\\*\\\\*bold\\\\*\\\\* \\\\[link\\\\]\\\\(x\\\\)\\\\.png'
    >>> "\\u2060" in literal("http://evil.example")
    True
    """
    escaped = "".join("\\" + c if c in _PUNCTUATION else c for c in shorten(text, limit))
    return _AUTOLINK_PREFIX.sub(_WORD_JOINER, escaped)
