"""Classroom mode: ``?present=1`` shows one section of a lesson at a time, in type a room can read.

A page declares its sections once and opens each with :meth:`Lesson.section`::

    lesson = Lesson(["The Gaussian pyramid", "The Laplacian pyramid"])
    lesson.intro("An image pyramid is …")   # the opening paragraph, and the "Present" button
    if lesson.section(0, ask="How much more memory do all the octaves take?"):
        with lesson.more():       # controls a projector does not need
            ...
        ...                       # the section's figures
        lesson.notice("Each octave has a quarter of the pixels of the one below.")
        lesson.reproduce(snippet, result=octaves.storage)   # "Reproduce in Python"

In the normal mode every section shows, with its header and its "what to notice" line. In
presentation mode only the section named by ``?step=`` (counted from 1) runs, under Previous and
Next buttons that move the step in the URL, so a teacher's link opens on the right slide;
secondary controls fold into a "More controls" box, and the teacher's question sits in a
collapsed box so it can be asked before the figure is revealed.

:meth:`Lesson.reproduce` gives engineers the few lines of OpenCV, Pillow, PyTorch or ``core``
calls, with the current parameters filled in, that produce the section's result. The code must
leave that result in a variable named ``result``; the value the page shows is recorded beside
it (in ``st.session_state[REPRODUCED]``) so a test can run every snippet and compare.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import streamlit as st

PRESENT, STEP = "present", "step"
REPRODUCED = "reproduce-snippets"   # this run's snippets: [{"section", "code", "result", "tolerance"}]

# Large type and full-width content for a 1280×720 projector; nothing may scroll sideways.
_CLASSROOM_CSS = """
<style>
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 3.5rem 2rem 2rem 2rem; }
[data-testid="stMain"] { overflow-x: hidden; }
[data-testid="stMainBlockContainer"] p,
[data-testid="stMainBlockContainer"] li { font-size: 1.45rem; line-height: 1.45; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2.4rem; }
[data-testid="stMainBlockContainer"] h2 { font-size: 2.1rem; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] { font-size: 2.2rem; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { font-size: 1.2rem; }
[data-testid="stMainBlockContainer"] [data-testid="stAlert"] p { font-size: 1.6rem; font-weight: 600; }
</style>
"""


def presenting() -> bool:
    """Whether the URL asks for classroom mode (``?present=1``)."""
    return st.query_params.get(PRESENT, "") in ("1", "true", "yes")


@dataclass
class Lesson:
    """A page's sections, and which of them runs now (all of them outside classroom mode)."""

    titles: list[str]
    present: bool = field(init=False)
    step: int = field(init=False)

    def __post_init__(self) -> None:
        self.present = presenting()
        raw = st.query_params.get(STEP, "1")
        step = int(raw) if raw.isdigit() else 0
        if self.present and not 1 <= step <= len(self.titles):
            st.caption(f"The link's step= is not a section number from 1 to {len(self.titles)}; "
                       "showing section 1.")
            step = 1
        self.step = min(max(step, 1), len(self.titles))
        self._open = -1
        st.session_state[REPRODUCED] = []
        if self.present:
            st.markdown(_CLASSROOM_CSS, unsafe_allow_html=True)   # a constant: no user text
            st.query_params[STEP] = str(self.step)

    def _offer_classroom_mode(self) -> None:
        if st.button("🎓 Present this lesson", key="present-on",
                     help="Classroom mode: large type, one section at a time with Previous and Next, "
                          "for a 1280×720 projector. The link it opens can be shared."):
            st.query_params[PRESENT] = "1"
            st.query_params[STEP] = "1"
            st.rerun()

    def _navigation(self) -> None:
        back, where, forward, leave = st.columns([1, 2, 1, 1])
        if back.button("◀ Previous", key="present-previous", disabled=self.step <= 1, width="stretch"):
            self._go(self.step - 1)
        where.markdown(f"**Section {self.step} of {len(self.titles)}**")
        if forward.button("Next ▶", key="present-next", disabled=self.step >= len(self.titles), width="stretch"):
            self._go(self.step + 1)
        if leave.button("✕ Exit", key="present-off", width="stretch", help="Back to the whole page"):
            del st.query_params[PRESENT]
            del st.query_params[STEP]
            st.rerun()

    def _go(self, step: int) -> None:
        st.query_params[STEP] = str(step)
        st.rerun()

    def section(self, index: int, *, ask: str = "") -> bool:
        """Open section ``index`` (from 0): draw its header and return whether its body should run.

        ``ask`` is the question for the class, in a collapsed teacher's box (classroom mode only).
        """
        title = f"{index + 1} · {self.titles[index]}"
        if self.present and index + 1 != self.step:
            return False
        self._open = index
        # A section rerun on its own (a fragment) records its snippets afresh, not twice.
        st.session_state[REPRODUCED] = [s for s in st.session_state.get(REPRODUCED, []) if s["section"] != index]
        if self.present:
            self._navigation()
        st.header(title)
        if self.present and ask:
            with st.expander("Teacher's notes — ask before revealing"):
                st.markdown(ask)
        return True

    def live_section(self, index: int, *, ask: str = "", when: bool = True) -> Callable[[Callable[[], None]], None]:
        """Run the decorated function now as section ``index``, in a fragment of its own.

        A widget inside it then reruns this section only, not the whole page: what a reader drags
        in one section does not recompute and resend the figures of the others. The body reads the
        page's values but leaves none behind for later sections, and no control in it may change
        what another section shows. With ``when=False`` the header shows and the body does not::

            @lesson.live_section(2, ask="…")
            def a_against_b() -> None:
                split = st.slider("Wipe", 0, 100, 50)
                ...
        """
        def run(body: Callable[[], None]) -> None:
            @st.fragment
            def section_body() -> None:
                if self.section(index, ask=ask) and when:
                    body()
            section_body()
        return run

    def intro(self, text: str) -> None:
        """The page's opening paragraph (Markdown, no user text), then the way into classroom mode.

        When presenting it shows on the first slide only: later slides need the room.
        """
        if not self.present:
            st.markdown(text)
            self._offer_classroom_mode()
        elif self.step == 1:
            st.markdown(text)

    def notice(self, text: str) -> None:
        """The section's "what to notice" line: a highlighted box, in large type when presenting."""
        st.info(f"**What to notice.** {text}")

    @contextlib.contextmanager
    def more(self) -> Iterator[None]:
        """Controls a projector does not need: folded away in classroom mode, in place otherwise."""
        if self.present:
            with st.expander("More controls"):
                yield
        else:
            yield

    def reproduce(self, code: str, *, result: object, tolerance: float = 0.0) -> None:
        """Show ``code`` under the open section, in a folded box titled "Reproduce in Python".

        ``code`` must be self-contained and leave the section's result in ``result``; the
        ``result`` given here is the value the page shows (a number, a tuple of numbers or an
        array), kept by reference for a test that runs the code and compares within ``tolerance``.
        """
        with st.expander("Reproduce in Python"):
            st.code(code.strip() + "\n", language="python")
        st.session_state.setdefault(REPRODUCED, []).append(
            {"section": self._open, "code": code, "result": result, "tolerance": tolerance})
