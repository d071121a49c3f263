"""Down- and upsampling in CNNs: the size formulas, each operation on the picked image,
checkerboard artifacts and a 6×6 grid worked number by number."""

import streamlit as st

from core.errors import ScaleScopeError
from core.sampling import DOWNSAMPLERS, FIXED_KERNELS
from core.sampling.lesson import (
    GRID_OPS,
    MAX_PROBE_SIDE,
    UPSAMPLERS,
    check_conv_size,
    check_conv_transpose_size,
    checkerboard_images,
    downsample_image,
    grid_example,
    overlap,
    shift_crop,
    upsample_image,
    zero_fraction,
)
from ui import figures, sampling_snippets
from ui.cache import cached
from ui.present import Lesson
from ui.sampling_figures import number_grids_figure, overlap_counts_figure, shift_change_figure, true_size_row_figure
from ui.snippets import snippet
from ui.text import literal
from ui.widgets import current_image, show_figure, url_choice, url_int

DOWN_LABELS = {"strided-conv": "strided conv", "max-pool": "max pool", "avg-pool": "average pool",
               "blur-pool": "blur pool", "max-blur-pool": "max-blur pool"}
UP_LABELS = {"nearest": "nearest", "bilinear": "bilinear", "max-unpool": "max-unpool",
             "transposed-conv": "transposed conv"}
KERNEL_LABELS = {"box": "3×3 box (blur)", "sobel-x": "Sobel, left → right edges",
                 "sobel-y": "Sobel, top → bottom edges"}
GRID_LABELS = DOWN_LABELS | UP_LABELS
GRID_NOTES = {
    "strided-conv": "The 3×3 mean steps two cells at a time; the zero padding of one cell pulls the border "
                    "means down. Three of every four positions a stride-1 convolution would "
                    "visit are skipped.",
    "max-pool": "Each 2×2 block keeps only its largest number: 36 cells become 9.",
    "avg-pool": "Each 2×2 block becomes its mean: every input cell counts, with weight ¼.",
    "blur-pool": "A 3×3 binomial blur (weights 1 2 1 / 2 4 2 / 1 2 1, ÷16) at every other cell: "
                 "neighbours of the kept cells still contribute, so a shift changes less.",
    "nearest": "Each pooled number is copied into a 2×2 block. Nothing new is invented.",
    "bilinear": "Each new cell mixes its nearest pooled numbers by distance (¾ and ¼ along each "
                "axis); the border repeats the edge.",
    "max-unpool": "Each maximum goes back to the very cell max pooling took it from (the saved "
                  "index); the other three cells of its block become 0.",
    "transposed-conv": "Each pooled number stamps a 3×3 block of itself, two cells apart; where "
                       "stamps overlap they add. Cells hit once, twice or four times alternate: "
                       "the checkerboard of section 3 in numbers.",
}


ASK = [  # what a teacher asks the class before revealing each section
    "A 3×3 convolution with stride 2 and padding 1 meets a 7×7 map. How big is its output, and what "
    "would a transposed convolution with the same settings make of that?",
    "Max pooling and average pooling both shrink by the same factor. Which one keeps a thin bright "
    "line, and which keeps the overall tone?",
    "Move the picture one pixel to the right. Which downsampling will barely notice, and which will "
    "change a lot?",
    "Pooling threw three of every four pixels away. Can any upsampling bring them back?",
    "Stamps 3 pixels wide, placed 2 pixels apart: how many stamps does each output pixel receive?",
    "Before revealing the grid: which numbers will survive a 2×2 max pool, and where will "
    "max-unpooling put them?",
]


def shape_text(image) -> str:
    return f"{image.shape[1]}×{image.shape[0]} px"


def _either(values) -> str:
    words = [str(v) for v in values]
    return ", ".join(words[:-1]) + " or " + words[-1]


image = current_image()
height, width = image.pixels.shape[:2]

st.title("🔁 Down- and upsampling in CNNs")
lesson = Lesson(["How big is the output?", "Downsampling your image", "Does a one-pixel shift change the result?",
                 "Upsampling back", "Checkerboard artifacts", "A 6×6 grid, number by number"])
lesson.intro(
    "A CNN shrinks its feature maps to see more of the image per unit and to save computation "
    "(strided convolution, pooling), and a segmentation network grows them back to label every "
    "pixel (interpolation, unpooling, transposed convolution). Each choice decides what is kept, "
    "what is invented and which artifacts appear.")



def show_size(check, formula: str, substituted: str, label: str, layer: str) -> None:
    st.latex(formula)
    st.latex(substituted + (f" = {check.formula}" if check.formula is not None else ""))
    st.metric(f"{label} formula", "refused" if check.formula is None else str(check.formula))
    shape = "refuses" if check.pytorch_shape is None else "gives " + "×".join(map(str, check.pytorch_shape[-2:]))
    st.markdown(f"PyTorch's `{layer}` {shape}", help=f"The height and width of {layer}'s output for a "
                                                     "(1, 1, n, n) input of zeros.")
    if check.formula_error:
        st.error(check.formula_error)
    if check.pytorch_error:
        st.caption(f"PyTorch refuses too: “{check.pytorch_error}”")
    elif check.pytorch_shape is not None and 0 in check.pytorch_shape:
        st.caption("PyTorch does not raise here: it returns an empty map without a single pixel.")
    if check.agree:
        st.caption("✓ The formula and PyTorch agree.")
    else:
        st.warning("The formula and PyTorch disagree here.")


def accepted(check) -> bool:
    return check.formula is not None and check.pytorch_shape is not None and 0 not in check.pytorch_shape


# ------------------------------------------------------------------------------------------
@lesson.live_section(0, ask=ASK[0])
def output_size() -> None:
    st.markdown(
        "Every convolution and pooling layer follows the first formula; a transposed convolution "
        "the second, where stride and padding act the other way round. Set a layer and compare the "
        "formula with the shape PyTorch actually produces on an n × n input.")
    c1, c2, c3 = st.columns(3)
    n = c1.number_input("Input side n", 1, MAX_PROBE_SIDE // 2, url_int("n", 32, 1, MAX_PROBE_SIDE // 2),
                        key="calc_n", help="A feature map n × n pixels; try 224 or 227.")
    k = c2.slider("Kernel k", 1, 11, url_int("k", 3, 1, 11), key="calc_k")
    s = c3.slider("Stride s", 1, 6, url_int("s", 2, 1, 6), key="calc_s")
    with lesson.more():
        c4, c5, c6 = st.columns(3)
        p = c4.slider("Padding p", 0, 6, url_int("p", 1, 0, 6), key="calc_p")
        d = c5.slider("Dilation d", 1, 4, url_int("d", 1, 1, 4), key="calc_d")
        output_padding = c6.slider("Output padding", 0, 5, url_int("op", 1, 0, 5), key="calc_op",
                                   help="Transposed convolution only: extra rows and columns on one side.")
    st.query_params.update(n=str(n), k=str(k), s=str(s), p=str(p), d=str(d), op=str(output_padding))
    conv = cached(check_conv_size)(int(n), k, s, p, d)
    transposed = cached(check_conv_transpose_size)(int(n), k, s, p, output_padding, d)
    left, right = st.columns(2)
    with left:
        st.subheader("Convolution and pooling")
        show_size(conv, r"n_\text{out} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1",
                  rf"\left\lfloor \frac{{{n} + 2\cdot{p} - {d}\cdot({k}-1) - 1}}{{{s}}} \right\rfloor + 1",
                  "Conv", "nn.Conv2d")
    with right:
        st.subheader("Transposed convolution")
        show_size(transposed,
                  r"n_\text{out} = (n-1)\,s - 2p + d(k-1) + p_\text{out} + 1",
                  rf"({n}-1)\cdot{s} - 2\cdot{p} + {d}\cdot({k}-1) + {output_padding} + 1",
                  "Transposed", "nn.ConvTranspose2d")
    st.caption(
        "p_out is the output padding. With k = 3, s = 2, p = 1 a convolution halves an even side "
        "(rounding up an odd one), and the transposed convolution with output padding 1 doubles it "
        "back: the output padding chooses between the input sizes that a strided convolution maps "
        "onto the same output.")
    sides = [f"{name} gives {check.formula}" if accepted(check) else f"{name} is refused"
             for name, check in (("the convolution", conv), ("the transposed convolution", transposed))]
    lesson.notice(f"n = {n}, k = {k}, s = {s}, p = {p}, d = {d}: {sides[0]} and {sides[1]}; "
                  f"the formulas {'agree' if conv.agree and transposed.agree else 'disagree'} with PyTorch.")
    if accepted(conv) or accepted(transposed):
        shown = [v for check in (conv, transposed) if accepted(check) for v in (check.formula, check.pytorch_shape[-1])]
        lesson.reproduce(sampling_snippets.sizes(int(n), k, s, p, d, output_padding, conv=accepted(conv),
                                                 transposed=accepted(transposed)), result=tuple(shown))

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    st.markdown(
        "Every layer below has fixed weights, so what you see is the operation itself, not something "
        "learned. Every row is drawn to one scale — a pixel of a result takes as much room as a pixel "
        "of the original — so the shrinking is visible as it is.")
    a, b = st.columns([1, 2])
    factor = a.slider("Factor (window and stride)", 2, 4, url_int("factor", 2, 2, 4), key="factor",
                      help="Pooling windows are factor × factor and factor pixels apart; the "
                           "convolution steps factor pixels.")
    with b, lesson.more():
        conv_kernel = st.radio("Kernel of the strided convolution", list(FIXED_KERNELS), key="conv_kernel",
                               format_func=KERNEL_LABELS.get, horizontal=True,
                               index=list(FIXED_KERNELS).index(url_choice("kernel", "box", list(FIXED_KERNELS))))
    st.query_params.update(factor=str(factor), kernel=conv_kernel)
    try:
        # Only the strided convolution has a kernel: the pools are cached once for all three.
        with st.spinner("Downsampling…"):
            down = {method: cached(downsample_image)(image.pixels, method, factor,
                                                     conv_kernel if method == "strided-conv" else "box")
                    for method in DOWNSAMPLERS}
    except ScaleScopeError as error:
        st.error(literal(error, limit=400))
        down = None
    if down is not None:
        shown_methods = ["strided-conv", "max-pool", "avg-pool", "blur-pool"]
        show_figure(lambda: cached(true_size_row_figure)(
            [image.pixels] + [down[m].image for m in shown_methods],
            [f"original<br>{shape_text(image.pixels)}"] +
            [f"{DOWN_LABELS[m]}<br>{shape_text(down[m].image)}" for m in shown_methods],
            title=f"Downsampled by {factor} · strided conv: {KERNEL_LABELS[conv_kernel]}"),
            "down-true-size")
        st.markdown(
            "On an odd side the sizes differ by a pixel: pooling windows that do not fit are dropped "
            "(the formula floors), while the padded convolution and blur pooling keep a partial window "
            "at the border. Max pooling keeps the brightest pixel of each window, so thin bright lines "
            "survive and dark ones vanish; average and blur pooling keep the overall tone. A Sobel "
            "kernel turns the strided convolution into an edge detector that reads only every "
            "factor-th position.")
        lesson.notice(f"By {factor}: max pooling makes {shape_text(image.pixels)} into "
                      f"{shape_text(down['max-pool'].image)}, the padded strided convolution into "
                      f"{shape_text(down['strided-conv'].image)}, blur pooling into "
                      f"{shape_text(down['blur-pool'].image)}.")
        lesson.reproduce(snippet(image, sampling_snippets.downsampled(factor, conv_kernel)),
                         result=down["strided-conv"].image)
    else:
        lesson.notice(f"This {width}×{height} image is too small to be shrunk {factor} times.")

# ------------------------------------------------------------------------------------------
if lesson.section(2, ask=ASK[2]):
    factor = url_int("factor", 2, 2, 4)
    conv_kernel = url_choice("kernel", "box", list(FIXED_KERNELS))
    st.caption(f"Factor {factor} and the {KERNEL_LABELS[conv_kernel]} kernel, as set in section 2.")
    try:
        changes = {m: cached(downsample_image)(image.pixels, m, factor, conv_kernel if m == "strided-conv"
                                               else "box").shift_change for m in DOWNSAMPLERS}
    except ScaleScopeError as error:
        st.error(literal(error, limit=400))
        changes = {}
    if changes:
        show_figure(lambda: cached(shift_change_figure)([DOWN_LABELS[m] for m in DOWNSAMPLERS],
                                                        list(changes.values())), "shift-change")
        st.caption(
            "Move the image by one pixel (right, down, diagonally) and downsample again: the bar is "
            "the mean change of the output divided by its mean distance from its own average (0 means "
            "unchanged). No single number means \"unrelated\": two independent outputs give √2 ≈ 1.41 "
            "when their values are Gaussian and 4/3 when uniform. Compare the bars with each other. "
            "Subsampling without a blur first aliases, so max pooling jumps when the input moves; "
            "Zhang (2019) blurs with a binomial kernel before keeping every other pixel — blur "
            "pooling, and max-blur pooling as the drop-in replacement for max pooling.")
        lesson.notice(f"A one-pixel shift changes max pooling's output by {changes['max-pool']:.3f} and "
                      f"blur pooling's by {changes['blur-pool']:.3f}: blurring first makes it "
                      f"{changes['max-pool'] / max(changes['blur-pool'], 1e-12):.1f}× steadier.")
        lesson.reproduce(snippet(image, sampling_snippets.shift_change(factor, *shift_crop(height, width))),
                         result=[changes["max-pool"], changes["avg-pool"]], tolerance=1e-5)
    else:
        lesson.notice(f"This {width}×{height} image is too small to be shrunk {factor} times.")

# ------------------------------------------------------------------------------------------
@lesson.live_section(3, ask=ASK[3])
def upsampling_back() -> None:
    up_factor = st.slider("Factor (down, then up)", 2, 4, url_int("up", 2, 2, 4), key="up_factor")
    st.query_params.update(up=str(up_factor))
    st.markdown(
        f"All four start from the max-pooled image ({up_factor}× smaller) and go back up by {up_factor}. "
        "Max-unpooling uses the positions max pooling saved, so it lands exactly on the original size.")
    try:
        with st.spinner("Upsampling…"):
            up = cached(upsample_image)(image.pixels, up_factor)
    except ScaleScopeError as error:
        st.error(literal(error, limit=400))
        up = None
    if up is not None:
        show_figure(lambda: cached(true_size_row_figure)(
            [up.source] + [up.images[m] for m in UPSAMPLERS],
            [f"max-pooled<br>{shape_text(up.source)}"] +
            [f"{UP_LABELS[m]}<br>{shape_text(up.images[m])}" for m in UPSAMPLERS],
            title=f"Upsampled by {up_factor} · transposed conv: bilinear kernel"),
            "up-true-size")
        close_names = ["original"] + list(UPSAMPLERS)
        show_figure(lambda: cached(figures.image_grid_figure)(
            [up.close_ups[m] for m in close_names],
            [UP_LABELS.get(m, m) for m in close_names], cols=5, match_axes=True),
            "up-close")
        st.caption(f"Up close: the same central {shape_text(up.close_ups['original'])} of the original "
                   "and of each result. Zoom into one panel and the others follow.")
        st.markdown(
            "Nearest upsampling repeats each pixel as a block; bilinear blurs the blocks into ramps; "
            "neither can bring back detail that pooling dropped. Max-unpooling puts each channel's "
            "maximum back where it was and leaves the rest black — sparse, but in the right places, "
            "which is why SegNet's decoder follows it with convolutions. A transposed convolution "
            "with a bilinear kernel equals bilinear interpolation away from the border; a learned "
            "one can also add detail, and artifacts.")
        black = zero_fraction(up.images["max-unpool"])
        lesson.notice(f"Max-unpooling by {up_factor} leaves {black:.0%} of the pixels black in all three "
                      f"colours: each channel gets back one pixel of each {up_factor}×{up_factor} block, "
                      "its maximum, and nothing else.")
        lesson.reproduce(snippet(image, sampling_snippets.unpooled(up_factor)), result=up.images["max-unpool"])
    else:
        lesson.notice(f"This {width}×{height} image is too small to be pooled {up_factor} times.")

# ------------------------------------------------------------------------------------------
@lesson.live_section(4, ask=ASK[4])
def checkerboard_artifacts() -> None:
    st.markdown(
        "A transposed convolution stamps a k × k copy of its kernel for every input pixel, s pixels "
        "apart, and adds the stamps where they overlap. The map counts the stamps each output pixel "
        "receives; inside the red frame the border plays no part.")
    a, b = st.columns(2)
    cb_kernel = a.slider("Kernel size k", 1, 8, url_int("cb_k", 3, 1, 8), key="cb_kernel")
    cb_stride = b.slider("Stride s", 1, 4, url_int("cb_s", 2, 1, 4), key="cb_stride")
    st.query_params.update(cb_k=str(cb_kernel), cb_s=str(cb_stride))
    counts = cached(overlap)(cb_kernel, cb_stride)
    show_figure(lambda: cached(overlap_counts_figure)(
        counts.counts, counts.interior,
        title=f"k = {cb_kernel}, s = {cb_stride}: stamps per output pixel "
              f"({counts.input_side}×{counts.input_side} input of ones)"),
        "overlap-counts")
    a, b = st.columns([1, 2])
    a.metric("Stamps per interior pixel", ", ".join(map(str, counts.interior_counts)))
    if counts.even:
        b.success(f"Even: {cb_kernel} is a multiple of {cb_stride}, so every interior pixel receives "
                  f"the same {counts.interior_counts[0]} stamps.")
    elif 0 in counts.interior_counts:
        b.warning(f"Holes: a kernel of {cb_kernel} is shorter than the stride {cb_stride}, so some "
                  "pixels receive no stamp at all.")
    else:
        b.warning(f"Uneven: {cb_kernel} is not a multiple of {cb_stride}, so interior pixels receive "
                  f"{_either(counts.interior_counts)} stamps — a checkerboard.")
    st.markdown(
        "Along one axis, stamps k wide and s apart cover every pixel k / s times when **k is "
        "divisible by s**; otherwise the count alternates between the whole numbers just below and "
        "above k / s. In 2-D the two axes multiply. Odena et al. (2016) avoid the pattern "
        "altogether: **resize first** (nearest or bilinear), **then convolve** at stride 1.")
    with lesson.more():
        try:
            board = cached(checkerboard_images)(image.pixels, cb_kernel, cb_stride)
        except ScaleScopeError as error:
            st.error(literal(error, limit=400))
            board = None
        if board is not None:
            show_figure(lambda: cached(figures.image_grid_figure)(
                [board.transposed, board.resized],
                [f"transposed conv, k={cb_kernel}, s={cb_stride}: {shape_text(board.transposed)}",
                 f"nearest ×{cb_stride}, then mean: {shape_text(board.resized)}"],
                cols=2, match_axes=True), "checkerboard-images")
            st.caption(f"The centre {shape_text(board.source)} of your image, upsampled both ways. The "
                       "weights are equal, scaled so the most-stamped pixels keep their brightness: "
                       "pixels that receive fewer stamps come out darker, in a grid.")
    lesson.notice(f"k ÷ s = {cb_kernel / cb_stride:g}: " + (
        f"every interior pixel receives the same {counts.interior_counts[0]} stamps." if counts.even else
        f"interior pixels receive {_either(counts.interior_counts)} stamps, in a regular grid a "
        "trained network has to fight with its weights."))
    lesson.reproduce(sampling_snippets.stamps(cb_kernel, cb_stride, counts.input_side, counts.interior.start,
                                              counts.interior.stop), result=counts.interior_counts)

# ------------------------------------------------------------------------------------------
@lesson.live_section(5, ask=ASK[5])
def grid_number_by_number() -> None:
    st.markdown(
        "The same operations on 36 numbers (0 to 35, shuffled, so no window holds a tie). "
        "Upsampling starts from the 2×2 max pool of the grid, as a decoder starts from an encoder's "
        "output.")
    grid_op = st.segmented_control("Operation", list(GRID_OPS), format_func=GRID_LABELS.get,
                                   default=url_choice("grid", "max-unpool", list(GRID_OPS)),
                                   key="grid_op") or "max-unpool"
    st.query_params.update(grid=grid_op)
    example = cached(grid_example)(grid_op)
    show_figure(lambda: cached(number_grids_figure)([values for _, values in example.steps],
                                                    [label for label, _ in example.steps]),
                "grid-view")
    st.caption(GRID_NOTES[grid_op])
    final = example.steps[-1][1]
    lesson.notice(f"{GRID_LABELS[grid_op].capitalize()}: the 36 cells become {final.size}, "
                  f"{int((final != 0).sum())} of them not zero, from {final.min():g} to {final.max():g}.")
    lesson.reproduce(sampling_snippets.grid(grid_op), result=final, tolerance=1e-9)
