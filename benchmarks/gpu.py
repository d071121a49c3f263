"""The torch path of the core operations on CUDA against the same operations on the CPU.

Run: ``.venv/bin/python -m benchmarks.gpu``. Skips with one sentence on a machine without CUDA.
Also compares the pyramid with the device's memory bandwidth: bytes it must move divided by its
time, against the bandwidth of a plain copy kernel (``Tensor.copy_``) measured in the same run.
"""

from __future__ import annotations

import statistics
import time

import torch

from core.pyramids import gaussian_pyramid, laplacian_pyramid, pyr_down, pyr_up, reconstruct
from core.search import ncc_map

LEVELS = 5


def timed_ms(fn, repeats: int, sync) -> tuple[float, float]:
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return min(times), statistics.median(times)


def operations(x: torch.Tensor, grey: torch.Tensor, patch: torch.Tensor):
    half = pyr_down(x, backend="torch")
    yield "pyr_down", lambda: pyr_down(x, backend="torch")
    yield "pyr_up", lambda: pyr_up(half, x.shape[-2:], backend="torch")
    yield f"gaussian_pyramid ({LEVELS} levels)", lambda: gaussian_pyramid(x, LEVELS, backend="torch")
    yield "laplacian_pyramid + reconstruct", lambda: reconstruct(
        laplacian_pyramid(x, LEVELS, backend="torch"), backend="torch")
    yield "ncc_map (1024² grey, 128² patch)", lambda: ncc_map(grey, patch)


def main() -> None:
    if not torch.cuda.is_available():
        print("No CUDA device on this machine: the GPU benchmark was skipped.")
        return
    size = 4096
    gen = torch.Generator().manual_seed(0)
    x_cpu = torch.rand(1, 3, size, size, generator=gen)
    grey_cpu = torch.rand(1024, 1024, generator=gen)
    patch_cpu = grey_cpu[300:428, 500:628].clone()
    device = torch.device("cuda")
    x_gpu, grey_gpu, patch_gpu = x_cpu.to(device), grey_cpu.to(device), patch_cpu.to(device)
    print(f"# Core operations, torch path: CUDA ({torch.cuda.get_device_name(0)}) against CPU, "
          f"{size}² float32 RGB\n")
    print("| operation | CPU min ms | CUDA min ms | CUDA median ms | CPU / CUDA |")
    print("|---|---:|---:|---:|---:|")
    cpu_ops = dict(operations(x_cpu, grey_cpu, patch_cpu))
    gpu_ops = dict(operations(x_gpu, grey_gpu, patch_gpu))
    measured = {}
    with torch.no_grad():
        for name, cpu_fn in cpu_ops.items():
            cpu_low, _ = timed_ms(cpu_fn, 3, lambda: None)
            gpu_low, gpu_median = timed_ms(gpu_ops[name], 15, torch.cuda.synchronize)
            measured[name] = gpu_low
            print(f"| {name} | {cpu_low:.1f} | {gpu_low:.2f} | {gpu_median:.2f} | {cpu_low / gpu_low:.0f} |")
        source = torch.empty(256 * 2**20 // 4, device=device)
        target = torch.empty_like(source)
        copy_low, _ = timed_ms(lambda: target.copy_(source), 15, torch.cuda.synchronize)
    bandwidth = 2 * source.numel() * 4 / copy_low / 1e6   # GB/s: read + write
    sizes, (h, w) = [], (size, size)
    for _ in range(LEVELS):
        sizes.append(3 * h * w * 4)
        h, w = (h + 1) // 2, (w + 1) // 2
    moved = sum(sizes[:-1]) + sum(sizes[1:])
    pyramid_ms = measured[f"gaussian_pyramid ({LEVELS} levels)"]
    achieved = moved / pyramid_ms / 1e6
    print(f"\nCopy kernel: {bandwidth:.0f} GB/s. Gaussian pyramid: {moved / 1e6:.0f} MB moved in "
          f"{pyramid_ms:.2f} ms = {achieved:.0f} GB/s, {achieved / bandwidth:.0%} of the copy bandwidth.")


if __name__ == "__main__":
    main()
