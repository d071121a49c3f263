"""SPP, pyramid pooling and ASPP forward passes, and an effective-receptive-field backward pass.

Run: ``.venv/bin/python -m benchmarks.modules``. Sizes as in DeepLab/PSPNet heads: 256 channels at
64² and 128²; ASPP with 256 output channels (DeepLabv3, 17.7 GFLOP at 64²).
"""

from __future__ import annotations

import torch

from benchmarks.pyramids import median_ms
from core.device import describe_device, device
from core.modules import ASPP, SPP, PyramidPooling
from core.receptive_field import effective_receptive_field


def main() -> None:
    target = device()
    print(f"# Pyramid modules, forward · {describe_device()}\n")
    print("| module | input | median ms | ± ms | channels_last ms |")
    print("|---|---|---:|---:|---:|")
    for side in (64, 128):
        x = torch.rand(1, 256, side, side, device=target)
        for name, module in (("SPP (4, 2, 1) max", SPP()), ("PyramidPooling (1, 2, 3, 6)", PyramidPooling(256)),
                             ("ASPP (6, 12, 18), 256 out", ASPP(256))):
            module = module.to(target).eval()

            def run(t=x, m=module):
                with torch.no_grad():
                    m(t)
                if t.is_cuda:
                    torch.cuda.synchronize()

            ms, spread = median_ms(run, 7)
            last = x.contiguous(memory_format=torch.channels_last)
            module_last = module.to(memory_format=torch.channels_last)
            ms_last, _ = median_ms(lambda: run(last, module_last), 7)
            print(f"| {name} | 256×{side}×{side} | {ms:.1f} | {spread:.1f} | {ms_last:.1f} |")
    print("\n| effective receptive field (backward of one unit) | input | median ms |")
    print("|---|---|---:|")
    for side in (64, 128):
        stack = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(),
                                    torch.nn.Conv2d(16, 16, 3, padding=6, dilation=6)).to(target)
        ms, _ = median_ms(lambda: effective_receptive_field(stack, (side, side), (side // 2, side // 2)), 5)
        print(f"| conv 3×3 + atrous 3×3 rate 6, 16 channels | 1×{side}×{side} | {ms:.1f} |")


if __name__ == "__main__":
    main()
