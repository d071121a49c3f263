"""The /modules page's own-weights box: a safetensors upload for the small CNN, checked once per file."""

from __future__ import annotations

import streamlit as st
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors

from core.errors import InvalidParameterError
from core.models import validate_state_dict
from core.modules.features import small_cnn
from ui.text import literal
from ui.uploads import read_upload

_SEEN, _WEIGHTS, _NOTE = "weights_id", "weights_ok", "weights_note"


def uploaded_weights(stride: int) -> dict[str, torch.Tensor] | None:
    """Draw the uploader; return the last accepted weights for the small CNN at ``stride``, or None.

    A file is read and checked against the network's own state dict once, when it arrives; the
    verdict (named literally, never as Markdown) stays on screen until the next file.
    """
    upload = st.file_uploader("Small-CNN weights (.safetensors)", type=["safetensors"], key="weights",
                              help="Loaded as plain tensors with the safetensors format; nothing is unpickled.")
    if upload is not None and upload.file_id != st.session_state.get(_SEEN):
        st.session_state[_SEEN] = upload.file_id
        try:
            tensors = load_safetensors(read_upload(upload))
            st.session_state[_WEIGHTS] = validate_state_dict(tensors, small_cnn(stride=stride).state_dict())
            st.session_state[_NOTE] = ("success", f"Using the weights in “{literal(upload.name)}”.")
        except (SafetensorError, ValueError, OSError, InvalidParameterError) as error:
            st.session_state[_NOTE] = ("error", f"“{literal(upload.name)}” was not used: {literal(error, 300)}")
    note = st.session_state.get(_NOTE)
    if note:
        (st.success if note[0] == "success" else st.error)(note[1])
    return st.session_state.get(_WEIGHTS)
