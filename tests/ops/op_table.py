"""The table of differentiable operations and the inputs each is tested on.

Each ``OpCase`` pairs an operation on Tensors with a NumPy reference and a
Hypothesis strategy that draws its inputs: a tuple of float64 arrays and a
dict of keyword arguments. The strategies keep inputs inside the domain where
the derivative exists (off kinks, poles and ties), because there a central
difference is a faithful reference. ``covers`` names the Function classes the
case exercises; a test checks that every built-in Function is covered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F
from tinygrad_edu.ops.conv import avg_pool2d, conv2d, max_pool2d
from tinygrad_edu.testing import strategies as ts


@dataclass(frozen=True)
class OpCase:
    """One row of the table: an operation, its reference and its inputs."""

    name: str
    function: Callable[..., Any]
    reference: Callable[..., np.ndarray]
    inputs: st.SearchStrategy[tuple[tuple[np.ndarray, ...], dict[str, Any]]]
    covers: tuple[str, ...]


def _unary(elements: st.SearchStrategy[float] | None = None, unique: bool = False):
    return ts.arrays(elements=elements, unique=unique).map(lambda a: ((a,), {}))


@st.composite
def _binary(draw, elements=None, right_elements=None):
    left_shape, right_shape = draw(ts.mutually_broadcastable_shapes(2))
    left = draw(ts.arrays(left_shape, elements=elements))
    right = draw(
        ts.arrays(
            right_shape,
            elements=right_elements if right_elements is not None else elements,
        )
    )
    return (left, right), {}


@st.composite
def _distinct_pair(draw):
    (left, right), _ = draw(_binary())
    assume(np.all(np.abs(left - right) > 1e-3))
    return (left, right), {}


def _assume_well_separated(array: np.ndarray) -> None:
    """Reject arrays with two values closer than the finite-difference step."""
    assume(array.size < 2 or np.min(np.diff(np.sort(array, axis=None))) > 1e-3)


@st.composite
def _with_dim(draw, unique=False, keepdim=True, min_dims=1):
    array = draw(ts.arrays(ts.shapes(min_dims=min_dims), unique=unique))
    if unique:
        _assume_well_separated(array)
    kwargs = {"dim": draw(st.integers(-array.ndim, array.ndim - 1))}
    if keepdim:
        kwargs["keepdim"] = draw(st.booleans())
    return (array,), kwargs


@st.composite
def _with_dims(draw, unique=False):
    array = draw(ts.arrays(unique=unique))
    if unique:
        _assume_well_separated(array)
    dims = draw(st.lists(st.integers(0, max(array.ndim - 1, 0)), unique=True))
    dim = tuple(dims) if dims and array.ndim else None
    return (array,), {"dim": dim, "keepdim": draw(st.booleans())}


@st.composite
def _clamp_inputs(draw):
    array = draw(ts.arrays())
    low = draw(st.floats(-2, 0))
    high = draw(st.floats(0, 2))
    assume(np.all(np.abs(array - low) > 1e-3) and np.all(np.abs(array - high) > 1e-3))
    return (array,), {"low": low, "high": high}


@st.composite
def _where_inputs(draw):
    shapes = draw(ts.mutually_broadcastable_shapes(3))
    condition = draw(ts.arrays(shapes[0], dtype=np.bool_, elements=st.booleans()))
    left = draw(ts.arrays(shapes[1]))
    right = draw(ts.arrays(shapes[2]))
    return (left, right), {"condition": condition}


@st.composite
def _matmul_inputs(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(ts.shapes(max_dims=2))
    left_batch = draw(ts.broadcastable_shapes(batch, max_dims=len(batch)))
    left_shape = draw(st.sampled_from([(k,), left_batch + (n, k)]))
    right_shape = draw(st.sampled_from([(k,), batch + (k, m)]))
    return (draw(ts.arrays(left_shape)), draw(ts.arrays(right_shape))), {}


@st.composite
def _reshape_inputs(draw):
    array = draw(ts.arrays())
    sizes = list(array.shape)
    draw(st.randoms()).shuffle(sizes)
    return (array,), {"shape": tuple(sizes[::-1]) + (1,)}


@st.composite
def _permute_inputs(draw):
    array = draw(ts.arrays())
    return (array,), {"dims": tuple(draw(st.permutations(range(array.ndim))))}


@st.composite
def _slice_inputs(draw):
    array = draw(ts.arrays(ts.shapes(min_dims=1)))
    index = []
    for size in array.shape:
        start = draw(st.integers(-size, size - 1))
        step = draw(st.sampled_from([1, 2, -1, -2]))
        index.append(slice(start, None, step))
    return (array,), {"index": (None, *index, Ellipsis)}


@st.composite
def _advanced_index_inputs(draw):
    array = draw(ts.arrays(ts.shapes(min_dims=1)))
    rows = draw(st.lists(st.integers(-array.shape[0], array.shape[0] - 1), min_size=1))
    return (array,), {"index": np.array(rows)}


@st.composite
def _mask_inputs(draw):
    array = draw(ts.arrays(ts.shapes(min_dims=1)))
    mask = draw(ts.arrays(array.shape, dtype=np.bool_, elements=st.booleans()))
    return (array,), {"index": mask}


@st.composite
def _gather_inputs(draw):
    array = draw(ts.arrays(ts.shapes(min_dims=1)))
    dim = draw(st.integers(0, array.ndim - 1))
    shape = tuple(draw(st.integers(1, size)) for size in array.shape)
    shape = shape[:dim] + (draw(st.integers(1, 4)),) + shape[dim + 1 :]
    index = draw(ts.arrays(shape, np.int64, st.integers(0, array.shape[dim] - 1)))
    return (array,), {"dim": dim, "index": index}


@st.composite
def _view_write_inputs(draw):
    array = draw(ts.arrays(ts.shapes(min_dims=1)))
    start = draw(st.integers(0, array.shape[0] - 1))
    stop = draw(st.integers(start + 1, array.shape[0]))
    value = draw(ts.arrays(array[start:stop].shape))
    return (array, value), {"index": slice(start, stop)}


def _write_through_view(x, value, index):
    """Copy ``value`` into a slice of a clone of ``x``, through a view."""
    base = x.clone()
    base[index].copy_(value * 2)
    return base


def _write_through_view_reference(x, value, index):
    out = x.copy()
    out[index] = value * 2
    return out


@st.composite
def _join_inputs(draw, stack=False):
    shape = draw(ts.shapes(min_dims=1))
    dim = draw(st.integers(0, len(shape) - (0 if stack else 1)))
    count = draw(st.integers(1, 3))
    parts = []
    for _ in range(count):
        part_shape = list(shape)
        if not stack:
            part_shape[dim] = draw(st.integers(1, 3))
        parts.append(draw(ts.arrays(tuple(part_shape))))
    return tuple(parts), {"dim": dim}


@st.composite
def _expand_inputs(draw):
    array = draw(ts.arrays(ts.shapes(max_side=2)))
    target = draw(ts.broadcastable_shapes(array.shape, min_dims=array.ndim))
    target = np.broadcast_shapes(array.shape, target)
    return (array,), {"shape": target}


REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


@st.composite
def _pair_with_reduction(draw, elements=None, target_elements=None):
    shape = draw(ts.shapes())
    x = draw(ts.arrays(shape, elements=elements))
    y = draw(ts.arrays(shape, elements=target_elements))
    return (x, y), {"reduction": draw(REDUCTIONS)}


@st.composite
def _logits_with_pos_weight(draw):
    (x, y), kwargs = draw(_pair_with_reduction(target_elements=st.floats(0, 1)))
    weight = draw(ts.arrays(x.shape[-1:], elements=ts.positive(0.5, 2.0)))
    return (x, y, weight), kwargs


@st.composite
def _class_scores(draw):
    batch, classes = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    scores = draw(ts.arrays((batch, classes)))
    target = draw(ts.arrays((batch,), np.int64, st.integers(0, classes - 1)))
    kwargs = {"target": target, "reduction": draw(REDUCTIONS)}
    return (scores,), kwargs


@st.composite
def _linear_inputs(draw, bias=True):
    features_in, features_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(ts.shapes(max_dims=2))
    x = draw(ts.arrays(batch + (features_in,)))
    weight = draw(ts.arrays((features_out, features_in)))
    if not bias:
        return (x, weight), {}
    return (x, weight, draw(ts.arrays((features_out,)))), {}


@st.composite
def _smoothed_class_scores(draw):
    (scores,), kwargs = draw(_class_scores())
    kwargs["label_smoothing"] = draw(st.floats(0.05, 0.5))
    return (scores,), kwargs


def _smoothed_reference(scores, target, reduction, label_smoothing):
    log_probs = scores - np.log(np.exp(scores).sum(1, keepdims=True))
    classes = scores.shape[1]
    picked = -log_probs[np.arange(len(target)), target]
    smooth = -log_probs.sum(1) / classes
    losses = (1 - label_smoothing) * picked + label_smoothing * smooth
    return _reduce(losses, reduction)


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.mean(loss)
    return np.sum(loss) if reduction == "sum" else loss


def _bce_reference(x, y, reduction):
    return _reduce(-(y * np.log(x) + (1 - y) * np.log1p(-x)), reduction)


def _bce_logits_reference(x, y, weight, reduction):
    log_p, log_q = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    return _reduce(-(weight * y * log_p + (1 - y) * log_q), reduction)


def _nll_reference(scores, target, reduction, log=False):
    log_probs = scores - np.log(np.exp(scores).sum(1, keepdims=True)) if log else scores
    return _reduce(-log_probs[np.arange(len(target)), target], reduction)


def _softmax(x: np.ndarray, dim: int) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=dim, keepdims=True))
    return shifted / shifted.sum(axis=dim, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _take(x: np.ndarray, dim: int, keepdim: bool, find_max: bool) -> np.ndarray:
    reducer = np.max if find_max else np.min
    return reducer(x, axis=dim, keepdims=keepdim)


def _gather_reference(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return x[tuple(grid)]


@st.composite
def _conv_inputs(draw, bias=True):
    batch, channels, kernels = (draw(st.integers(1, 2)) for _ in range(3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    height = draw(st.integers(max(kernel[0] - 2 * padding[0], 1), 5))
    width = draw(st.integers(max(kernel[1] - 2 * padding[1], 1), 5))
    x = draw(ts.arrays((batch, channels, height, width)))
    weight = draw(ts.arrays((kernels, channels, *kernel)))
    arrays = (x, weight, draw(ts.arrays((kernels,)))) if bias else (x, weight)
    return arrays, {"stride": stride, "padding": padding}


def _conv_reference(x, weight, bias=None, *, stride, padding):
    """Cross-correlate with one loop step per output pixel."""
    (pad_h, pad_w) = padding
    x = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    (kernel_h, kernel_w) = weight.shape[2:]
    out_h = (x.shape[2] - kernel_h) // stride[0] + 1
    out_w = (x.shape[3] - kernel_w) // stride[1] + 1
    out = np.zeros((x.shape[0], weight.shape[0], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride[0], j * stride[1]
            window = x[:, :, top : top + kernel_h, left : left + kernel_w]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", window, weight)
    return out if bias is None else out + bias[:, None, None]


@st.composite
def _pool_inputs(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.sampled_from([None, 1, 2, (1, 2)]))
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 2)),
        draw(st.integers(kernel[0], 5)),
        draw(st.integers(kernel[1], 5)),
    )
    # A permutation spaced 0.05 apart has no ties, so each window's maximum
    # stays the maximum under the finite-difference step.
    size = int(np.prod(shape))
    order = np.array(draw(st.permutations(range(size))), dtype=np.float64)
    x = (order.reshape(shape) - size / 2) * 0.05
    return (x,), {"kernel_size": kernel, "stride": stride}


def _pool_reference(x, kernel_size, stride, reducer):
    """Reduce each window with one loop step per output pixel."""
    stride = kernel_size if stride is None else stride
    stride = (stride, stride) if isinstance(stride, int) else stride
    out_h = (x.shape[2] - kernel_size[0]) // stride[0] + 1
    out_w = (x.shape[3] - kernel_size[1]) // stride[1] + 1
    out = np.zeros((*x.shape[:2], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride[0], j * stride[1]
            window = x[:, :, top : top + kernel_size[0], left : left + kernel_size[1]]
            out[:, :, i, j] = reducer(window, axis=(2, 3))
    return out


LONG_DOUBLE = np.dtype(np.longdouble)

# Central differences in float64 with eps = 1e-6 are accurate to about 1e-9 on
# these inputs, so the tolerances can be tight enough to catch a gradient that
# is off by 0.1%.
STRICT = {"atol": 1e-7, "rtol": 1e-6}

OP_TABLE: list[OpCase] = [
    OpCase("add", lambda x, y: x + y, np.add, _binary(), ("Add",)),
    OpCase("sub", lambda x, y: x - y, np.subtract, _binary(), ("Sub",)),
    OpCase("mul", lambda x, y: x * y, np.multiply, _binary(), ("Mul",)),
    OpCase(
        "div",
        lambda x, y: x / y,
        np.divide,
        _binary(right_elements=ts.away_from_zero(0.5)),
        ("Div",),
    ),
    OpCase(
        "pow",
        lambda x, y: x**y,
        np.power,
        _binary(elements=ts.positive(0.5, 2.0)),
        ("Pow",),
    ),
    OpCase(
        "pow_scalar_exponent",
        lambda x: x**3,
        lambda x: x**3,
        _unary(),
        ("Pow",),
    ),
    OpCase("neg", lambda x: -x, np.negative, _unary(), ("Neg",)),
    OpCase("exp", lambda x: x.exp(), np.exp, _unary(), ("Exp",)),
    OpCase("log", lambda x: x.log(), np.log, _unary(ts.positive()), ("Log",)),
    OpCase("log1p", lambda x: x.log1p(), np.log1p, _unary(ts.positive()), ("Log1p",)),
    OpCase("sqrt", lambda x: x.sqrt(), np.sqrt, _unary(ts.positive()), ("Sqrt",)),
    OpCase("abs", lambda x: x.abs(), np.abs, _unary(), ("Abs",)),
    OpCase("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), _unary(), ("Relu",)),
    OpCase("sigmoid", lambda x: x.sigmoid(), _sigmoid, _unary(), ("Sigmoid",)),
    OpCase("tanh", lambda x: x.tanh(), np.tanh, _unary(), ("Tanh",)),
    OpCase(
        "clamp",
        lambda x, low, high: x.clamp(low, high),
        lambda x, low, high: np.clip(x, low, high),
        _clamp_inputs(),
        ("Clamp",),
    ),
    OpCase(
        "cast",
        lambda x: x.to(LONG_DOUBLE).to(x.dtype),
        lambda x: x,
        _unary(),
        ("Cast",),
    ),
    OpCase("clone", lambda x: x.clone(), np.copy, _unary(), ("Clone",)),
    OpCase("maximum", tg.maximum, np.maximum, _distinct_pair(), ("Maximum",)),
    OpCase("minimum", tg.minimum, np.minimum, _distinct_pair(), ("Minimum",)),
    OpCase(
        "where",
        lambda x, y, condition: tg.where(condition, x, y),
        lambda x, y, condition: np.where(condition, x, y),
        _where_inputs(),
        ("Where",),
    ),
    OpCase(
        "sum",
        lambda x, dim, keepdim: x.sum(dim, keepdim),
        lambda x, dim, keepdim: np.sum(x, axis=dim, keepdims=keepdim),
        _with_dims(),
        ("Sum", "Expand", "Reshape"),
    ),
    OpCase(
        "mean",
        lambda x, dim, keepdim: x.mean(dim, keepdim),
        lambda x, dim, keepdim: np.mean(x, axis=dim, keepdims=keepdim),
        _with_dims(),
        ("Sum", "Div"),
    ),
    OpCase(
        "amax",
        lambda x, dim, keepdim: x.amax(dim, keepdim),
        lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
        _with_dims(unique=True),
        ("Extreme",),
    ),
    OpCase(
        "amin",
        lambda x, dim, keepdim: x.amin(dim, keepdim),
        lambda x, dim, keepdim: np.min(x, axis=dim, keepdims=keepdim),
        _with_dims(unique=True),
        ("Extreme",),
    ),
    OpCase(
        "max_dim",
        lambda x, dim, keepdim: x.max(dim, keepdim).values,
        lambda x, dim, keepdim: _take(x, dim, keepdim, True),
        _with_dim(unique=True),
        ("GetItem", "IndexAdd"),
    ),
    OpCase(
        "min_dim",
        lambda x, dim, keepdim: x.min(dim, keepdim).values,
        lambda x, dim, keepdim: _take(x, dim, keepdim, False),
        _with_dim(unique=True),
        ("GetItem", "IndexAdd"),
    ),
    OpCase(
        "softmax",
        lambda x, dim: x.softmax(dim),
        _softmax,
        _with_dim(keepdim=False),
        ("Softmax",),
    ),
    OpCase(
        "log_softmax",
        lambda x, dim: x.log_softmax(dim),
        lambda x, dim: np.log(_softmax(x, dim)),
        _with_dim(keepdim=False),
        ("LogSoftmax",),
    ),
    OpCase("matmul", lambda x, y: x @ y, np.matmul, _matmul_inputs(), ("MatMul",)),
    OpCase(
        "reshape",
        lambda x, shape: x.reshape(shape),
        lambda x, shape: x.reshape(shape),
        _reshape_inputs(),
        ("Reshape",),
    ),
    OpCase(
        "permute",
        lambda x, dims: x.permute(*dims),
        lambda x, dims: np.transpose(x, dims),
        _permute_inputs(),
        ("Permute",),
    ),
    OpCase(
        "expand",
        lambda x, shape: x.expand(shape),
        lambda x, shape: np.broadcast_to(x, shape),
        _expand_inputs(),
        ("Expand",),
    ),
    OpCase(
        "slice",
        lambda x, index: x[index],
        lambda x, index: x[index],
        _slice_inputs(),
        ("GetItem", "IndexAdd"),
    ),
    OpCase(
        "integer_index",
        lambda x, index: x[index],
        lambda x, index: x[index],
        _advanced_index_inputs(),
        ("GetItem", "IndexAdd"),
    ),
    OpCase(
        "mask_index",
        lambda x, index: x[index],
        lambda x, index: x[index],
        _mask_inputs(),
        ("GetItem", "IndexAdd"),
    ),
    OpCase(
        "gather",
        lambda x, dim, index: x.gather(dim, index),
        _gather_reference,
        _gather_inputs(),
        ("GetItem", "IndexAdd"),
    ),
    OpCase(
        "view_write",
        _write_through_view,
        _write_through_view_reference,
        _view_write_inputs(),
        ("CopySlices", "Clone"),
    ),
    OpCase(
        "cat",
        lambda *xs, dim: tg.cat(xs, dim),
        lambda *xs, dim: np.concatenate(xs, axis=dim),
        _join_inputs(),
        ("Cat",),
    ),
    OpCase(
        "stack",
        lambda *xs, dim: tg.stack(xs, dim),
        lambda *xs, dim: np.stack(xs, axis=dim),
        _join_inputs(stack=True),
        ("Cat", "Reshape"),
    ),
    OpCase(
        "mse_loss",
        F.mse_loss,
        lambda x, y, reduction: _reduce((x - y) ** 2, reduction),
        _pair_with_reduction(),
        ("Sub", "Mul", "Sum"),
    ),
    OpCase(
        "binary_cross_entropy",
        F.binary_cross_entropy,
        _bce_reference,
        _pair_with_reduction(ts.positive(0.05, 0.95), st.floats(0, 1)),
        ("BinaryCrossEntropy",),
    ),
    OpCase(
        "binary_cross_entropy_with_logits",
        lambda x, y, weight, reduction: F.binary_cross_entropy_with_logits(
            x, y, pos_weight=weight, reduction=reduction
        ),
        _bce_logits_reference,
        _logits_with_pos_weight(),
        ("BinaryCrossEntropyWithLogits",),
    ),
    OpCase(
        "cross_entropy",
        F.cross_entropy,
        lambda scores, target, reduction: _nll_reference(
            scores, target, reduction, log=True
        ),
        _class_scores(),
        ("IndexCrossEntropy",),
    ),
    OpCase(
        "cross_entropy_smoothed",
        F.cross_entropy,
        _smoothed_reference,
        _smoothed_class_scores(),
        ("LogSoftmax", "GetItem", "Where"),
    ),
    OpCase(
        "linear",
        F.linear,
        lambda x, w, b: x @ w.T + b,
        _linear_inputs(),
        ("Affine",),
    ),
    OpCase(
        "linear_without_bias",
        F.linear,
        lambda x, w: x @ w.T,
        _linear_inputs(bias=False),
        ("Affine",),
    ),
    OpCase(
        "nll_loss",
        F.nll_loss,
        _nll_reference,
        _class_scores(),
        ("GetItem",),
    ),
    OpCase(
        "conv2d",
        conv2d,
        _conv_reference,
        _conv_inputs(),
        ("Conv2d", "Im2col", "Col2im"),
    ),
    OpCase(
        "conv2d_without_bias",
        conv2d,
        _conv_reference,
        _conv_inputs(bias=False),
        ("Conv2d", "Im2col", "Col2im"),
    ),
    OpCase(
        "max_pool2d",
        max_pool2d,
        lambda x, kernel_size, stride: _pool_reference(x, kernel_size, stride, np.max),
        _pool_inputs(),
        ("MaxPool2d", "IndexAdd", "GetItem"),
    ),
    OpCase(
        "avg_pool2d",
        avg_pool2d,
        lambda x, kernel_size, stride: _pool_reference(x, kernel_size, stride, np.mean),
        _pool_inputs(),
        ("AvgPool2d", "Col2im", "Im2col"),
    ),
]
