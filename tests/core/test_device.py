"""The device decision and the thread setting."""

import pytest
import torch

from core.device import THREADS_VARIABLE, configure_threads, describe_device, device


def test_device_is_cuda_exactly_when_available():
    assert device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert torch.__version__ in describe_device()


def test_thread_variable_sets_torch_threads_and_rejects_nonsense(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv(THREADS_VARIABLE, "1")
        assert configure_threads() == 1 == torch.get_num_threads()
        monkeypatch.setenv(THREADS_VARIABLE, "lots")
        with pytest.raises(ValueError, match="whole number"):
            configure_threads()
        monkeypatch.setenv(THREADS_VARIABLE, "0")
        with pytest.raises(ValueError, match="at least 1"):
            configure_threads()
    finally:
        torch.set_num_threads(before)
