""""Reproduce in Python" bodies for the down- and upsampling lesson: each leaves the shown value in
``result``, with ``torch.nn.functional`` calls and the current parameters filled in."""

from __future__ import annotations

_TENSOR = ("import torch\nimport torch.nn.functional as F\n\n"
           "x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255   # (1, 3, H, W) in [0, 1]\n")
_TO_IMAGE = "({name}[0].permute(1, 2, 0) * 255 + 0.5).floor().clamp(0, 255).byte().numpy()"
_KERNELS = {"box": "torch.full((3, 3), 1 / 9)",
            "sobel-x": "torch.tensor([[-1., 0., 1.], [-2., 0., 2.], [-1., 0., 1.]])",
            "sobel-y": "torch.tensor([[-1., -2., -1.], [0., 0., 0.], [1., 2., 1.]])"}


def sizes(n: int, k: int, s: int, p: int, d: int, output_padding: int, *, conv: bool, transposed: bool) -> str:
    """Both size formulas beside the shapes PyTorch gives, for the layers it accepts."""
    lines = ["import torch", "import torch.nn.functional as F", "",
             f"n, k, s, p, d, p_out = {n}, {k}, {s}, {p}, {d}, {output_padding}",
             "x, w = torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k)", "shown = []"]
    if conv:
        lines += ["shown.append((n + 2 * p - d * (k - 1) - 1) // s + 1)   # the convolution's formula",
                  "shown.append(F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1])"]
    if transposed:
        lines += ["shown.append((n - 1) * s - 2 * p + d * (k - 1) + p_out + 1)   # the transposed one's",
                  "shown.append(F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=p_out, "
                  "dilation=d).shape[-1])"]
    return "\n".join(lines) + "\nresult = tuple(shown)\n"


def downsampled(factor: int, kernel: str) -> str:
    """The strided convolution as shown (Sobel as its magnitude), and the pooled sizes."""
    signed = ".abs()" if kernel != "box" else ""
    return (_TENSOR + f"kernel = {_KERNELS[kernel]}.expand(3, 1, 3, 3)   # one filter per channel\n"
            f"conv = F.conv2d(x, kernel, stride={factor}, padding=1, groups=3){signed}\n"
            f"print('max pool:', tuple(F.max_pool2d(x, {factor}).shape[-2:]), "
            "'strided conv:', tuple(conv.shape[-2:]))\n"
            f"result = {_TO_IMAGE.format(name='conv')}\n")


def shift_change(factor: int, top: int, left: int, side_h: int, side_w: int) -> str:
    """The shift measure of max and average pooling on the image's centre crop."""
    return (_TENSOR + f"c = x[..., {top}:{top + side_h}, {left}:{left + side_w}]   # the centre crop\n"
            "h, w = c.shape[-2:]\n"
            "def change(op):   # mean |op(shifted) − op(crop)| ÷ mean |op(crop) − its mean|\n"
            "    ref = op(c[..., :h - 1, :w - 1])\n"
            "    moved = [op(c[..., dy:h - 1 + dy, dx:w - 1 + dx]) for dy, dx in ((0, 1), (1, 0), (1, 1))]\n"
            "    return float(torch.stack([(m - ref).abs().mean() for m in moved]).mean() "
            "/ (ref - ref.mean()).abs().mean())\n"
            f"result = [change(lambda t: F.max_pool2d(t, {factor})), change(lambda t: F.avg_pool2d(t, {factor}))]\n")


def unpooled(factor: int) -> str:
    """Max pooling with its indices, then max-unpooling back to the original size."""
    return (_TENSOR + f"pooled, where = F.max_pool2d(x, {factor}, return_indices=True)\n"
            f"up = F.max_unpool2d(pooled, where, {factor}, output_size=x.shape[-2:])   # zeros elsewhere\n"
            f"result = {_TO_IMAGE.format(name='up')}\n")


def stamps(kernel: int, stride: int, n: int, start: int, stop: int) -> str:
    """The transposed convolution of ones with ones: stamps per output pixel, inside the frame."""
    return ("import torch\nimport torch.nn.functional as F\n\n"
            f"counts = F.conv_transpose2d(torch.ones(1, 1, {n}, {n}), torch.ones(1, 1, {kernel}, {kernel}), "
            f"stride={stride})[0, 0]\n"
            f"interior = counts[{start}:{stop}, {start}:{stop}]   # where the border plays no part\n"
            "result = tuple(sorted(set(interior.int().flatten().tolist())))\n")


_GRID_OPS = {
    "strided-conv": "F.conv2d(x, torch.full((1, 1, 3, 3), 1 / 9, dtype=torch.float64), stride=2, padding=1)",
    "max-pool": "F.max_pool2d(x, 2)",
    "avg-pool": "F.avg_pool2d(x, 2)",
    "blur-pool": ("F.conv2d(F.pad(x, (1, 1, 1, 1), mode='reflect'), "
                  "torch.outer(*[torch.tensor([1., 2., 1.], dtype=torch.float64)] * 2)[None, None] / 16, stride=2)"),
    "nearest": "F.interpolate(pooled, scale_factor=2, mode='nearest')",
    "bilinear": "F.interpolate(pooled, scale_factor=2, mode='bilinear', align_corners=False)",
    "max-unpool": "F.max_unpool2d(pooled, where, 2)",
    "transposed-conv": ("F.conv_transpose2d(pooled, torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2, "
                        "padding=1, output_padding=1)"),
}


def grid(op: str) -> str:
    """The 6×6 grid of numbers and one operation on it (upsampling starts from its max pool)."""
    return ("import numpy as np\nimport torch\nimport torch.nn.functional as F\n\n"
            "grid = np.random.default_rng(4).permutation(36).reshape(6, 6)   # 0 … 35, shuffled\n"
            "x = torch.from_numpy(grid).double()[None, None]\n"
            "pooled, where = F.max_pool2d(x, 2, return_indices=True)\n"
            f"result = {_GRID_OPS[op]}[0, 0].numpy()\n")
