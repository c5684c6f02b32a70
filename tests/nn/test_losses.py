import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.errors import DTypeError, ShapeError
from tinygrad_edu.function import Function
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.jacobian import numerical_gradient

REDUCTIONS = ["mean", "sum", "none"]


# NumPy references --------------------------------------------------------------------


def reduce_ref(losses, reduction, denominator=None):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (losses.size if denominator is None else denominator)


def log_softmax_ref(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def class_loss_ref(
    log_probs, target, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0
):
    """Loop over targets: loss = -sum_c w[c] q[c] log_probs[c] for the smoothed q."""
    classes = log_probs.shape[1]
    weight = np.ones(classes) if weight is None else weight
    losses = np.zeros(target.shape)
    total_weight = 0.0
    for index in np.ndindex(target.shape):
        t = target[index]
        if t == ignore_index:
            continue
        row = log_probs[(index[0], slice(None)) + index[1:]]
        q = np.full(classes, smoothing / classes)
        q[t] += 1 - smoothing
        losses[index] = -(weight * q * row).sum()
        total_weight += weight[t]
    return reduce_ref(losses, reduction, total_weight)


def bce_ref(x, y, weight=None, reduction="mean"):
    log_x = np.maximum(np.log(x), -100)
    log_rest = np.maximum(np.log(1 - x), -100)
    losses = -(y * log_x + (1 - y) * log_rest)
    if weight is not None:
        losses = losses * weight
    return reduce_ref(losses, reduction)


def bce_logits_ref(x, y, weight=None, pos_weight=None, reduction="mean"):
    """-(p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))) via logaddexp."""
    pos_weight = 1.0 if pos_weight is None else pos_weight
    losses = pos_weight * y * np.logaddexp(0, -x) + (1 - y) * np.logaddexp(0, x)
    if weight is not None:
        losses = losses * weight
    return reduce_ref(losses, reduction)


# Finite differences ------------------------------------------------------------------


def assert_grads_match(loss_fn, arrays, wrt, rtol=1e-5, atol=1e-8):
    """Compare the backward gradients of loss_fn(*tensors) with finite differences.

    A loss with more than one element is summed against fixed random weights.
    """
    probe = None

    def scalar(tensors):
        nonlocal probe
        out = loss_fn(*tensors)
        if probe is None:
            probe = np.random.default_rng(5).standard_normal(out.shape)
        return (out * Tensor(probe)).sum()

    tensors = [Tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    scalar(tensors).backward()

    for position in wrt:

        def value_of(array, position=position):
            args = [Tensor(a) for a in arrays]
            args[position] = Tensor(array)
            return scalar(args).item()

        expected = numerical_gradient(value_of, arrays[position])
        np.testing.assert_allclose(
            tensors[position].grad.numpy(), expected, rtol=rtol, atol=atol
        )


class WrongSquare(Function):
    """x**2 with the factor 2 missing from backward, to test the helper."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x


def test_grad_helper_catches_wrong_gradient():
    with pytest.raises(AssertionError):
        assert_grads_match(WrongSquare.apply, [np.array([1.0, 2.0])], wrt=(0,))


@pytest.fixture
def class_data(rng):
    """Logits (5, 4), targets with one ignored entry, and class weights."""
    logits = rng.standard_normal((5, 4))
    target = np.array([0, 3, -100, 1, 3])
    weight = rng.uniform(0.5, 2.0, 4)
    return logits, target, weight


# mse_loss ----------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_forward(rng, reduction):
    x, y = rng.standard_normal((2, 3, 4))
    out = F.mse_loss(Tensor(x), Tensor(y), reduction=reduction)
    np.testing.assert_allclose(out.numpy(), reduce_ref((x - y) ** 2, reduction))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_backward(rng, reduction):
    x, y = rng.standard_normal((2, 3, 4))
    assert_grads_match(
        lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, y], wrt=(0, 1)
    )


def test_mse_loss_broadcast_warns(rng):
    x = Tensor(rng.standard_normal((3, 2)))
    with pytest.warns(UserWarning, match="broadcast"):
        out = F.mse_loss(x, Tensor(np.zeros(2)), reduction="none")
    assert out.shape == (3, 2)


def test_mse_loss_bad_shape_raises():
    with pytest.raises(ShapeError, match=r"\(4,\).*\(3,\)"):
        F.mse_loss(Tensor(np.zeros(3)), Tensor(np.zeros(4)))


# nll_loss ----------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_forward(class_data, reduction, weighted):
    logits, target, weight = class_data
    weight = weight if weighted else None
    log_probs = log_softmax_ref(logits, 1)
    out = F.nll_loss(
        Tensor(log_probs), Tensor(target), weight=weight, reduction=reduction
    )
    expected = class_loss_ref(log_probs, target, weight, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_backward(class_data, reduction):
    logits, target, weight = class_data
    assert_grads_match(
        lambda x: F.nll_loss(x, Tensor(target), Tensor(weight), reduction=reduction),
        [logits],
        wrt=(0,),
    )


def test_nll_loss_custom_ignore_index(class_data):
    logits, _, _ = class_data
    target = np.array([2, 2, 0, 1, 2])
    out = F.nll_loss(Tensor(logits), Tensor(target), ignore_index=2)
    expected = class_loss_ref(logits, target, ignore_index=2)
    np.testing.assert_allclose(out.numpy(), expected)


def test_nll_loss_mean_divides_by_weights():
    log_probs = Tensor(np.log(np.array([[0.5, 0.5], [0.25, 0.75]])))
    out = F.nll_loss(log_probs, Tensor([0, 1]), weight=[1.0, 3.0])
    expected = -(np.log(0.5) + 3 * np.log(0.75)) / 4
    np.testing.assert_allclose(out.numpy(), expected)


def test_nll_loss_all_ignored_mean_is_nan():
    out = F.nll_loss(Tensor(np.zeros((2, 3))), Tensor([-100, -100]))
    assert np.isnan(out.item())


def test_nll_loss_all_ignored_sum_is_zero():
    out = F.nll_loss(Tensor(np.zeros((2, 3))), Tensor([-100, -100]), reduction="sum")
    assert out.item() == 0.0


def test_nll_loss_ignored_minus_inf_gives_zero():
    log_probs = Tensor(np.array([[-np.inf, 0.0], [0.0, -np.inf]]), requires_grad=True)
    out = F.nll_loss(log_probs, Tensor([-100, 0]), reduction="sum")
    out.backward()
    assert out.item() == 0.0
    assert np.all(np.isfinite(log_probs.grad.numpy()))


def test_nll_loss_unbatched(rng):
    log_probs = log_softmax_ref(rng.standard_normal(4), 0)
    out = F.nll_loss(Tensor(log_probs), Tensor(np.array(2)), reduction="none")
    assert out.shape == ()
    np.testing.assert_allclose(out.numpy(), -log_probs[2])


def test_nll_loss_target_out_of_range_names_index():
    with pytest.raises(IndexError, match=r"target 7 .*4 classes"):
        F.nll_loss(Tensor(np.zeros((2, 4))), Tensor([1, 7]))


def test_nll_loss_negative_target_raises():
    with pytest.raises(IndexError, match="target -3"):
        F.nll_loss(Tensor(np.zeros((2, 4))), Tensor([-3, 0]))


def test_nll_loss_float_target_raises():
    with pytest.raises(DTypeError, match="integer"):
        F.nll_loss(Tensor(np.zeros((2, 4))), Tensor([1.0, 0.0]))


def test_nll_loss_target_shape_raises():
    with pytest.raises(ShapeError, match=r"\(2, 5\)"):
        F.nll_loss(Tensor(np.zeros((2, 3, 5))), Tensor(np.zeros((2, 4), np.int64)))


def test_nll_loss_weight_shape_raises():
    with pytest.raises(ShapeError, match=r"\(4,\)"):
        F.nll_loss(Tensor(np.zeros((2, 4))), Tensor([0, 1]), weight=Tensor([1.0]))


def test_nll_loss_accepts_numpy_target():
    out = F.nll_loss(Tensor(np.zeros((2, 3))), np.array([0, 2]))
    assert out.item() == 0.0


# cross_entropy -----------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_forward(class_data, reduction, weighted, smoothing):
    logits, target, weight = class_data
    weight = weight if weighted else None
    out = F.cross_entropy(
        Tensor(logits),
        Tensor(target),
        weight=weight,
        reduction=reduction,
        label_smoothing=smoothing,
    )
    expected = class_loss_ref(
        log_softmax_ref(logits, 1), target, weight, -100, reduction, smoothing
    )
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_backward(class_data, reduction, smoothing):
    logits, target, weight = class_data

    def loss(x):
        return F.cross_entropy(
            x,
            Tensor(target),
            weight=Tensor(weight),
            reduction=reduction,
            label_smoothing=smoothing,
        )

    assert_grads_match(loss, [logits], wrt=(0,))


def test_cross_entropy_spatial(rng):
    logits = rng.standard_normal((2, 3, 4, 2))
    target = rng.integers(0, 3, (2, 4, 2))
    target[1, 2, 0] = -100
    out = F.cross_entropy(Tensor(logits), Tensor(target), label_smoothing=0.1)
    expected = class_loss_ref(
        log_softmax_ref(logits, 1), target, reduction="mean", smoothing=0.1
    )
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_cross_entropy_unbatched(rng):
    logits = rng.standard_normal(5)
    out = F.cross_entropy(Tensor(logits), Tensor(np.array(3)))
    np.testing.assert_allclose(out.numpy(), -log_softmax_ref(logits, 0)[3])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities_forward(rng, reduction):
    logits = rng.standard_normal((3, 4))
    probs = rng.dirichlet(np.ones(4), size=3)
    weight = rng.uniform(0.5, 2.0, 4)
    out = F.cross_entropy(
        Tensor(logits),
        Tensor(probs),
        weight=Tensor(weight),
        reduction=reduction,
        label_smoothing=0.2,
    )
    smoothed = probs * 0.8 + 0.2 / 4
    losses = -(weight * smoothed * log_softmax_ref(logits, 1)).sum(axis=1)
    np.testing.assert_allclose(out.numpy(), reduce_ref(losses, reduction))


def test_cross_entropy_probabilities_backward(rng):
    logits = rng.standard_normal((3, 4))
    probs = rng.dirichlet(np.ones(4), size=3)
    assert_grads_match(
        lambda x, p: F.cross_entropy(x, p, label_smoothing=0.1), [logits, probs], (0, 1)
    )


def test_cross_entropy_probabilities_ignore_index_raises():
    with pytest.raises(ValueError, match="ignore_index"):
        F.cross_entropy(
            Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 3))), ignore_index=1
        )


def test_cross_entropy_integer_probabilities_raise():
    with pytest.raises(DTypeError, match="floating"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 3), np.int64)))


@pytest.mark.parametrize("smoothing", [-0.1, 1.5])
def test_cross_entropy_bad_smoothing_raises(smoothing):
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(
            Tensor(np.zeros((2, 3))), Tensor([0, 1]), label_smoothing=smoothing
        )


def test_cross_entropy_out_of_range_names_index():
    with pytest.raises(IndexError, match=r"target 3 .*3 classes"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), Tensor([0, 3]))


def test_cross_entropy_batch_mismatch_raises():
    with pytest.raises(ShapeError, match=r"\(4,\)"):
        F.cross_entropy(Tensor(np.zeros((4, 3))), Tensor([0, 1, 2]))


@settings(max_examples=25)
@given(
    batch=st.integers(1, 4),
    classes=st.integers(1, 5),
    extra=st.lists(st.integers(1, 3), max_size=2),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_shapes_match_reference(batch, classes, extra, seed):
    generator = np.random.default_rng(seed)
    logits = generator.standard_normal((batch, classes, *extra))
    target = generator.integers(0, classes, (batch, *extra))
    out = F.cross_entropy(Tensor(logits), Tensor(target), reduction="none")
    expected = class_loss_ref(log_softmax_ref(logits, 1), target, reduction="none")
    assert out.shape == target.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


# binary_cross_entropy ----------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_forward(rng, reduction, weighted):
    x = rng.uniform(0.01, 0.99, (3, 4))
    y = rng.uniform(0, 1, (3, 4))
    weight = rng.uniform(0.5, 2, 4) if weighted else None
    out = F.binary_cross_entropy(
        Tensor(x), Tensor(y), weight=weight, reduction=reduction
    )
    np.testing.assert_allclose(out.numpy(), bce_ref(x, y, weight, reduction))


def test_bce_forward_floors_log():
    x = np.array([0.0, 1.0, 1e-50, 0.5])
    y = np.array([1.0, 0.0, 0.3, 1.0])
    out = F.binary_cross_entropy(Tensor(x), Tensor(y), reduction="none")
    np.testing.assert_allclose(out.numpy(), [100.0, 100.0, 30.0, np.log(2)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_backward(rng, reduction):
    x = rng.uniform(0.05, 0.95, (3, 4))
    y = rng.uniform(0, 1, (3, 4))
    weight = rng.uniform(0.5, 2, 4)
    assert_grads_match(
        lambda a, b: F.binary_cross_entropy(a, b, Tensor(weight), reduction=reduction),
        [x, y],
        wrt=(0, 1),
    )


def test_bce_gradient_exact_near_zero():
    x = Tensor(np.array([1e-30, 1 - 1e-12]), requires_grad=True)
    y = np.array([0.7, 0.2])
    F.binary_cross_entropy(x, Tensor(y), reduction="sum").backward()
    xs = np.array([1e-30, 1 - 1e-12])
    np.testing.assert_allclose(x.grad.numpy(), -y / xs + (1 - y) / (1 - xs), rtol=1e-4)


def test_bce_gradient_at_floored_ends():
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    y = np.array([0.7, 0.2])
    F.binary_cross_entropy(x, Tensor(y), reduction="sum").backward()
    # At x = 0 only the (1 - y) / (1 - x) term is live, at x = 1 only -y / x.
    np.testing.assert_allclose(x.grad.numpy(), [0.3, -0.2])


def test_bce_input_out_of_range_raises():
    with pytest.raises(ValueError, match=r"\[0, 1\].*1.5"):
        F.binary_cross_entropy(Tensor([0.5, 1.5]), Tensor([0.0, 1.0]))


def test_bce_shape_mismatch_raises():
    with pytest.raises(ShapeError, match=r"\(3,\).*\(2,\)"):
        F.binary_cross_entropy(Tensor([0.5, 0.5]), Tensor([0.0, 1.0, 1.0]))


# binary_cross_entropy_with_logits ----------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_logits_forward(rng, reduction, pos_weighted):
    x = rng.standard_normal((3, 4)) * 5
    y = rng.uniform(0, 1, (3, 4))
    weight = rng.uniform(0.5, 2, (3, 1))
    pos_weight = rng.uniform(0.5, 3, 4) if pos_weighted else None
    out = F.binary_cross_entropy_with_logits(
        Tensor(x), Tensor(y), weight, reduction=reduction, pos_weight=pos_weight
    )
    expected = bce_logits_ref(x, y, weight, pos_weight, reduction)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_logits_backward(rng, reduction):
    x = rng.standard_normal((3, 4)) * 3
    y = rng.uniform(0, 1, (3, 4))
    pos_weight = rng.uniform(0.5, 3, 4)
    weight = rng.uniform(0.5, 2, 4)
    assert_grads_match(
        lambda a, b, p: F.binary_cross_entropy_with_logits(
            a, b, Tensor(weight), reduction=reduction, pos_weight=p
        ),
        [x, y, pos_weight],
        wrt=(0, 1, 2),
    )


def test_bce_logits_gradient_at_zero():
    x = Tensor(np.zeros(3), requires_grad=True)
    y = np.array([0.0, 0.25, 1.0])
    F.binary_cross_entropy_with_logits(x, Tensor(y), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.5 - y)


def test_bce_logits_shape_mismatch_raises():
    with pytest.raises(ShapeError, match="target"):
        F.binary_cross_entropy_with_logits(Tensor([0.5, 0.5]), Tensor([0.0]))


def test_bce_logits_pos_weight_shape_raises():
    with pytest.raises(ShapeError, match="pos_weight"):
        F.binary_cross_entropy_with_logits(
            Tensor(np.zeros((2, 3))),
            Tensor(np.zeros((2, 3))),
            pos_weight=Tensor([1.0, 2.0]),
        )


# Shared rules ------------------------------------------------------------------------


def _ones(x):
    return Tensor(np.ones(x.shape, dtype=x.dtype))


# Each builder takes logits of shape (2, 3) and returns a scalar loss.
LOSSES = {
    "mse": lambda x: F.mse_loss(x, _ones(x)),
    "nll": lambda x: F.nll_loss(x.log_softmax(1), Tensor([2, 0])),
    "cross_entropy": lambda x: F.cross_entropy(x, Tensor([2, 0]), label_smoothing=0.1),
    "bce": lambda x: F.binary_cross_entropy(x.sigmoid(), _ones(x)),
    "bce_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, _ones(x), pos_weight=[1.0, 2.0, 3.0]
    ),
}


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_losses_finite_for_huge_logits(name, scale):
    array = np.array([[1.0, -1.0, 0.5], [-1.0, 1.0, 0.0]], np.float32) * scale
    logits = Tensor(array, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = LOSSES[name](logits)
        loss.backward()
    assert np.isfinite(loss.item())
    assert np.all(np.isfinite(logits.grad.numpy()))


@pytest.mark.parametrize("name", LOSSES)
def test_losses_keep_float32(name):
    logits = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    loss = LOSSES[name](logits)
    loss.backward()
    assert loss.dtype == np.float32
    assert logits.grad.dtype == np.float32


def test_losses_float64_target_keeps_float32():
    x = Tensor(np.full(3, 0.5, np.float32))
    target = Tensor(np.ones(3))
    weight = np.ones(3)
    assert F.mse_loss(x, target).dtype == np.float32
    assert F.binary_cross_entropy(x, target, weight).dtype == np.float32
    assert F.binary_cross_entropy_with_logits(x, target, weight).dtype == np.float32


@pytest.mark.parametrize(
    "call",
    [
        lambda r: F.mse_loss(Tensor([1.0]), Tensor([1.0]), reduction=r),
        lambda r: F.nll_loss(Tensor([[0.0]]), Tensor([0]), reduction=r),
        lambda r: F.cross_entropy(Tensor([[0.0]]), Tensor([0]), reduction=r),
        lambda r: F.binary_cross_entropy(Tensor([0.5]), Tensor([1.0]), reduction=r),
        lambda r: F.binary_cross_entropy_with_logits(
            Tensor([0.5]), Tensor([1.0]), reduction=r
        ),
    ],
)
def test_losses_bad_reduction_raises(call):
    with pytest.raises(ValueError, match="'avg'"):
        call("avg")


def test_losses_integer_input_raises():
    with pytest.raises(DTypeError, match="floating"):
        F.mse_loss(Tensor([1, 2]), Tensor([1, 2]))


# Loss modules ------------------------------------------------------------------------


def test_loss_modules_match_functions(class_data):
    logits, target, weight = class_data
    x, t, w = Tensor(logits), Tensor(target), Tensor(weight)
    probs = Tensor(1 / (1 + np.exp(-logits)))
    ones = Tensor(np.ones_like(logits))
    pairs = [
        (
            nn.CrossEntropyLoss(w, label_smoothing=0.2)(x, t),
            F.cross_entropy(x, t, w, label_smoothing=0.2),
        ),
        (nn.NLLLoss(w, reduction="sum")(x, t), F.nll_loss(x, t, w, reduction="sum")),
        (nn.MSELoss(reduction="none")(x, ones), F.mse_loss(x, ones, reduction="none")),
        (nn.BCELoss()(probs, ones), F.binary_cross_entropy(probs, ones)),
        (
            nn.BCEWithLogitsLoss(pos_weight=w)(x, ones),
            F.binary_cross_entropy_with_logits(x, ones, pos_weight=w),
        ),
    ]
    for module_out, function_out in pairs:
        np.testing.assert_array_equal(module_out.numpy(), function_out.numpy())


def test_loss_module_weight_is_buffer():
    loss = nn.CrossEntropyLoss(weight=Tensor([1.0, 2.0]))
    assert list(loss.state_dict()) == ["weight"]


def test_loss_module_pos_weight_is_buffer():
    loss = nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0])
    assert list(loss.state_dict()) == ["pos_weight"]


def test_loss_module_bad_reduction_raises():
    with pytest.raises(ValueError, match="'average'"):
        nn.MSELoss(reduction="average")


def test_loss_module_bad_smoothing_raises():
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=2.0)


def test_loss_module_repr():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
