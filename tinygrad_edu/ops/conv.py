"""2-D convolution and pooling over (N, C, H, W) batches of images.

Every operation reads the input through sliding windows: a strided view of the
zero-padded input with shape (N, OH, OW, C, kh, kw), the im2col layout, which
NumPy builds without copying the windows. A convolution is then one matrix
product of the flattened windows with the flattened kernels, and a pooling is a
max or a mean over each window. The adjoint of that view, col2im, adds every
window back onto the image, so it carries the input gradients of the
convolution and of the average pooling.

The output size along each spatial dimension is PyTorch's formula for a
dilation of 1: out = floor((size + 2 * padding - kernel) / stride) + 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.errors import DTypeError, ShapeError
from tinygrad_edu.function import Function
from tinygrad_edu.ops.shape import IndexAdd
from tinygrad_edu.tensor import Tensor

Pair = tuple[int, int]


def _windows(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    """Return the read-only im2col view (N, OH, OW, C, kh, kw) of x (N, C, H, W)."""
    if padding != (0, 0):
        (pad_h, pad_w) = padding
        x = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))
    view = view[:, :, :: stride[0], :: stride[1]]
    return view.transpose(0, 2, 3, 1, 4, 5)


class Im2col(Function):
    """cols[n, i, j, c, p, q] = x_pad[n, c, i * sh + p, j * sw + q].

    Shapes: x (N, C, H, W) gives cols (N, OH, OW, C, kh, kw), where x_pad is x
    with ``padding`` zeros on each side of H and W. The map is linear, so its
    gradient is its adjoint: ``Col2im`` of the incoming gradient.
    """

    @staticmethod
    def forward(
        ctx: Any, x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair
    ) -> np.ndarray:
        ctx.shape, ctx.kernel, ctx.stride, ctx.padding = (
            x.shape,
            kernel,
            stride,
            padding,
        )
        return np.ascontiguousarray(_windows(x, kernel, stride, padding))

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None, None]:
        grad_x = Col2im.apply(grad_output, ctx.shape, ctx.stride, ctx.padding)
        return grad_x, None, None, None


class Col2im(Function):
    """Add each window of cols back onto the image it was read from.

    x[n, c, h, w] is the sum of the entries of cols that read x_pad[n, c, h, w].
    Shapes: cols (N, OH, OW, C, kh, kw) and the image shape (N, C, H, W) give
    x (N, C, H, W), because the padding border is cropped. This is the adjoint of
    ``Im2col``, so its gradient is ``Im2col`` of the incoming gradient.
    """

    @staticmethod
    def forward(
        ctx: Any, cols: np.ndarray, shape: tuple[int, ...], stride: Pair, padding: Pair
    ) -> np.ndarray:
        ctx.kernel, ctx.stride, ctx.padding = cols.shape[4:], stride, padding
        (batch, channels, height, width) = shape
        (pad_h, pad_w) = padding
        out = np.zeros(
            (batch, channels, height + 2 * pad_h, width + 2 * pad_w), cols.dtype
        )

        # One strided add per kernel offset (p, q), so the loop runs kh * kw
        # times, never once per pixel. Within one offset, no two windows touch
        # the same pixel, so a plain += is exact.
        (out_h, out_w) = cols.shape[1:3]
        for p in range(cols.shape[4]):
            for q in range(cols.shape[5]):
                rows = slice(p, p + stride[0] * out_h, stride[0])
                columns = slice(q, q + stride[1] * out_w, stride[1])
                out[:, :, rows, columns] += cols[:, :, :, :, p, q].transpose(0, 3, 1, 2)
        return out[:, :, pad_h : pad_h + height, pad_w : pad_w + width]

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None, None]:
        grad_cols = Im2col.apply(grad_output, ctx.kernel, ctx.stride, ctx.padding)
        return grad_cols, None, None, None


class Conv2d(Function):
    """The cross-correlation of x with w plus b, as PyTorch's conv2d computes it.

    out[n, o, i, j] = b[o] + sum over c, p, q of w[o, c, p, q] * cols[n, i, j, c, p, q],
    with cols = Im2col(x).

    Shapes: x (N, C, H, W), w (O, C, kh, kw), b (O,) or None; out (N, O, OH, OW).

    Gradients, with g = dL/dout as rows G of shape (N * OH * OW, O) and the
    kernels as a matrix W of shape (O, C * kh * kw): dL/dx = Col2im(G @ W),
    dL/dw = G^T @ Im2col(x) and dL/db = the sum of G's rows (backward returns
    G, and the engine sums the axis that b was broadcast on).
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None,
        stride: Pair,
        padding: Pair,
    ) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding = stride, padding
        cols = _windows(x, weight.shape[2:], stride, padding)
        (batch, out_h, out_w) = cols.shape[:3]

        rows = cols.reshape(batch * out_h * out_w, -1)
        out = rows @ weight.reshape(weight.shape[0], -1).T
        if bias is not None:
            out += bias
        return out.reshape(batch, out_h, out_w, -1).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved_tensors
        needs_x, needs_weight, needs_bias = ctx.needs_input_grad[:3]
        (out_channels, in_channels, kernel_h, kernel_w) = weight.shape
        (batch, _, out_h, out_w) = grad_output.shape
        rows = grad_output.permute(0, 2, 3, 1).reshape(-1, out_channels)
        kernels = weight.reshape(out_channels, -1)

        grad_x = grad_weight = None
        if needs_x:
            cols_shape = (batch, out_h, out_w, in_channels, kernel_h, kernel_w)
            grad_cols = (rows @ kernels).reshape(cols_shape)
            grad_x = Col2im.apply(grad_cols, x.shape, ctx.stride, ctx.padding)
        if needs_weight:
            cols = Im2col.apply(x, (kernel_h, kernel_w), ctx.stride, ctx.padding)
            grad_weight = (rows.T @ cols.reshape(rows.shape[0], -1)).reshape(
                weight.shape
            )
        # b was broadcast over the rows, so the engine sums them.
        grad_bias = rows if needs_bias else None
        return grad_x, grad_weight, grad_bias, None, None


class MaxPool2d(Function):
    """out[n, c, i, j] = the maximum of x over window (i, j) of channel c.

    Shapes: x (N, C, H, W) gives out (N, C, OH, OW).

    The gradient of each window goes to its first maximal element in row-major
    order, as in PyTorch. Overlapping windows add their gradients.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
        windows = _windows(x, kernel, stride, (0, 0)).transpose(0, 3, 1, 2, 4, 5)
        (batch, channels, out_h, out_w) = windows.shape[:4]
        flat = windows.reshape(batch, channels, out_h, out_w, -1)
        offset = np.argmax(flat, axis=-1)

        # The image position of each maximum, as an advanced index into x.
        (row_offset, column_offset) = np.divmod(offset, kernel[1])
        rows = np.arange(out_h)[:, None] * stride[0] + row_offset
        columns = np.arange(out_w) * stride[1] + column_offset
        samples = np.arange(batch)[:, None, None, None]
        channel_index = np.arange(channels)[:, None, None]
        ctx.shape, ctx.index = x.shape, (samples, channel_index, rows, columns)
        return x[ctx.index]

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None]:
        return IndexAdd.apply(grad_output, ctx.shape, ctx.index), None, None


class AvgPool2d(Function):
    """out[n, c, i, j] = the mean of x over window (i, j) of channel c.

    Shapes: x (N, C, H, W) gives out (N, C, OH, OW). The map is linear: each
    input element receives g / (kh * kw) from every window that contains it.
    """

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
        ctx.shape, ctx.kernel, ctx.stride = x.shape, kernel, stride
        windows = _windows(x, kernel, stride, (0, 0))
        return windows.mean(axis=(4, 5)).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None]:
        (kernel_h, kernel_w) = ctx.kernel
        share = grad_output.permute(0, 2, 3, 1).unsqueeze(-1).unsqueeze(-1)
        cols_shape = (*share.shape[:4], kernel_h, kernel_w)
        grad_cols = share.expand(cols_shape) / (kernel_h * kernel_w)
        grad_x = Col2im.apply(grad_cols, ctx.shape, ctx.stride, (0, 0))
        return grad_x, None, None


def to_pair(caller: str, name: str, value: Any, minimum: int) -> Pair:
    """Return an int or a pair of ints as (height, width), each >= ``minimum``."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    valid = len(pair) == 2 and all(
        isinstance(item, (int, np.integer)) and not isinstance(item, bool)
        for item in pair
    )
    if not valid or min(pair) < minimum:
        raise ValueError(
            f"{caller}: {name} must be an integer >= {minimum} or a pair of them, "
            f"got {value!r}"
        )
    return (int(pair[0]), int(pair[1]))


def _batched(caller: str, input: Any) -> tuple[Tensor, bool]:
    """Return a 4-D (N, C, H, W) float input, and whether it arrived unbatched."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{caller}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise ShapeError(
            f"{caller}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {input.shape}; add a batch dimension with x.unsqueeze(0)"
        )
    if not np.issubdtype(input.dtype, np.floating):
        raise DTypeError(
            f"{caller}: input must be a floating-point tensor, got {input.dtype}; "
            "convert it with x.float()"
        )
    unbatched = input.ndim == 3
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _check_output_size(
    caller: str, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair
) -> None:
    """Raise if the (padded) image is smaller than the kernel."""
    padded = (shape[2] + 2 * padding[0], shape[3] + 2 * padding[1])
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise ShapeError(
            f"{caller}: the kernel {kernel} is larger than the input image "
            f"{shape[2:]} padded to {padded}, so the output would be empty; use a "
            "smaller kernel, more padding or a larger image"
        )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
) -> Tensor:
    """Return the 2-D cross-correlation of ``input`` with ``weight``, plus ``bias``.

    Args:
        input: (N, C, H, W), or (C, H, W) for one image.
        weight: (O, C, kh, kw), one kernel per output channel.
        bias: (O,) or None.
        stride: the step between windows, an int or (sh, sw).
        padding: zeros added on both sides of H and W, an int or (ph, pw).

    Returns:
        (N, O, OH, OW), or (O, OH, OW) for one image, with
        OH = floor((H + 2 * ph - kh) / sh) + 1 and OW likewise.

    Raises:
        ShapeError: if the shapes do not fit or the output would be empty.
        DTypeError: if input, weight and bias differ in dtype.
        ValueError: for a stride below 1 or a negative padding.
    """
    x, unbatched = _batched("conv2d", input)
    stride = to_pair("conv2d", "stride", stride, 1)
    padding = to_pair("conv2d", "padding", padding, 0)
    if weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ShapeError(
            f"conv2d: input of shape {input.shape} does not fit weight of shape "
            f"{weight.shape}; the weight must be (out_channels, in_channels, kh, kw) "
            "with in_channels equal to the input's channel dimension"
        )
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ShapeError(
            f"conv2d: bias of shape {bias.shape} does not fit weight of shape "
            f"{weight.shape}; expected bias shape {weight.shape[:1]}"
        )
    operands = [x, weight] if bias is None else [x, weight, bias]
    if len({tensor.dtype for tensor in operands}) > 1:
        found = ", ".join(str(tensor.dtype) for tensor in operands)
        raise DTypeError(
            f"conv2d: input, weight and bias must have one dtype, got {found}. "
            "Convert the input (x.float()) or the module (model.double())."
        )
    kernel = (weight.shape[2], weight.shape[3])
    _check_output_size("conv2d", x.shape, kernel, stride, padding)

    out = Conv2d.apply(x, weight, bias, stride, padding)
    return out.squeeze(0) if unbatched else out


def _pool(
    function: type[Function],
    caller: str,
    input: Tensor,
    kernel_size: int | Pair,
    stride: int | Pair | None,
) -> Tensor:
    """Check the arguments of a pooling and apply ``function``."""
    x, unbatched = _batched(caller, input)
    kernel = to_pair(caller, "kernel_size", kernel_size, 1)
    steps = kernel if stride is None else to_pair(caller, "stride", stride, 1)
    _check_output_size(caller, x.shape, kernel, steps, (0, 0))

    out = function.apply(x, kernel, steps)
    return out.squeeze(0) if unbatched else out


def max_pool2d(
    input: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None
) -> Tensor:
    """Return the maximum of each ``kernel_size`` window of each channel.

    Args:
        input: (N, C, H, W), or (C, H, W) for one image.
        kernel_size: the window size, an int or (kh, kw).
        stride: the step between windows, or ``kernel_size`` when None.

    Returns:
        (N, C, OH, OW), or (C, OH, OW), with OH = floor((H - kh) / sh) + 1.

    Raises:
        ShapeError: for an input that is not 3-D or 4-D, or smaller than the
            kernel.
        ValueError: for a kernel size or stride below 1.
    """
    return _pool(MaxPool2d, "max_pool2d", input, kernel_size, stride)


def avg_pool2d(
    input: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None
) -> Tensor:
    """Return the mean of each ``kernel_size`` window of each channel.

    Arguments, shapes and errors are those of ``max_pool2d``.
    """
    return _pool(AvgPool2d, "avg_pool2d", input, kernel_size, stride)
