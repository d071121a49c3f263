"""ScaleScope's compute core: pure functions on arrays and tensors, no UI.

Images cross the API as ``np.ndarray (H, W, 3) uint8 RGB`` at the edges and as
``torch.Tensor (B, C, H, W) float32`` in ``[0, 1]`` inside the torch core.
"""

from core.device import describe_device, device

__all__ = ["device", "describe_device"]
