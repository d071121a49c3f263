"""Uploaded files in the server's memory: read once, then dropped; unread ones bounded.

Streamlit keeps every file a browser sends to ``/_stcore/upload_file/<session>/<file>`` in the
server's memory until the browser deletes it or the session shuts down, and checks only each
file's size. Nothing bounds what one session holds, and a session that expires after its tab
closed (``server.disconnectedSessionTTL``) is forgotten without its files being freed. So:

* :func:`read_upload` hands a page the bytes once and drops Streamlit's copy (as
  ``st.chat_input`` does with its own files); the page keeps what it decoded;
* :func:`limit_pending_uploads` (every run, and every 30 s from :func:`start_upload_sweeper`)
  keeps at most ``PENDING_UPLOAD_BYTES`` of unread files per connected session and none for a
  session without a connection for ``ORPHANED_AFTER_S``.
"""

from __future__ import annotations

import threading
import time

from streamlit.runtime import Runtime
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.images import DEFAULT_MAX_BYTES
from ui.cache import expire_idle


def read_upload(upload: UploadedFile) -> bytes:
    """The bytes of ``upload``, after which Streamlit's copy is dropped.

    Streamlit keeps every uploaded file in memory until the browser deletes it or the session
    ends. A page decodes a file once and keeps what it decoded, so the raw bytes are released
    here (as ``st.chat_input`` does with its files): from the next run on the widget reports the
    file as deleted, and the session pins only its decoded working copy.
    """
    data = upload.getvalue()
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "uploaded_file_mgr", None)
    if ctx is not None and isinstance(manager, MemoryUploadedFileManager):
        manager.remove_file(session_id=ctx.session_id, file_id=upload.file_id)
    return data


# What one session may keep of files it sent but no page has read (bytes): two full-size files.
PENDING_UPLOAD_BYTES = 2 * DEFAULT_MAX_BYTES
# Streamlit keeps a closed tab's session this long for a reconnect (server.disconnectedSessionTTL),
# then forgets the session but not its uploaded files; after this the files are dropped too.
ORPHANED_AFTER_S = 120.0
_NO_CONNECTION_SINCE: dict[str, float] = {}
_SWEEP_LOCK = threading.Lock()
_SWEEPER: threading.Thread | None = None


def limit_pending_uploads(now: float | None = None) -> int:
    """Drop uploaded bytes no page will read; return how many bytes were freed.

    Anyone holding a session's upload URL can send files that no widget ever reads. A connected
    session keeps only its newest ``PENDING_UPLOAD_BYTES``; a session without a connection for
    ``ORPHANED_AFTER_S`` keeps none.
    """
    if not Runtime.exists():
        return 0
    runtime = Runtime.instance()
    manager = runtime.uploaded_file_mgr
    if not isinstance(manager, MemoryUploadedFileManager):
        return 0
    now = time.monotonic() if now is None else now
    freed = 0
    with _SWEEP_LOCK:
        storage = dict(manager.file_storage)
        for session_id in [s for s in _NO_CONNECTION_SINCE if s not in storage]:
            del _NO_CONNECTION_SINCE[session_id]
        for session_id, files in storage.items():
            records = list(files.values())             # in upload order
            if runtime.get_app_session(session_id) is None:
                if now - _NO_CONNECTION_SINCE.setdefault(session_id, now) >= ORPHANED_AFTER_S:
                    freed += sum(len(r.data) for r in records)
                    manager.remove_session_files(session_id)
                    del _NO_CONNECTION_SINCE[session_id]
                continue
            _NO_CONNECTION_SINCE.pop(session_id, None)
            kept = 0
            for record in reversed(records):          # newest first
                kept += len(record.data)
                if kept > PENDING_UPLOAD_BYTES:
                    manager.remove_file(session_id, record.file_id)
                    freed += len(record.data)
    return freed


def start_upload_sweeper(interval_s: float = 30.0) -> threading.Thread:
    """Run :func:`limit_pending_uploads` every ``interval_s`` in one daemon thread per process."""
    global _SWEEPER
    with _SWEEP_LOCK:
        if _SWEEPER is None or not _SWEEPER.is_alive():
            def sweep() -> None:
                while True:
                    time.sleep(interval_s)
                    limit_pending_uploads()
                    expire_idle()            # results nobody has looked at for a while
            _SWEEPER = threading.Thread(target=sweep, name="scalescope-upload-sweeper", daemon=True)
            _SWEEPER.start()
        return _SWEEPER
