"""In-place methods: shared memory, dtype rules, leaf rules and gradients.

Expected gradients were written out by hand from the chain rule and match
PyTorch 2.13 on the same programs (run separately, not imported here).
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.errors import DTypeError, InPlaceError, ShapeError

# Values and shared memory ---------------------------------------------------------

UPDATES = [
    ("add_", lambda t: t.add_(1.0), [2.0, 3.0, 4.0]),
    ("add_alpha", lambda t: t.add_(Tensor([1.0, 1.0, 1.0]), alpha=2), [3.0, 4.0, 5.0]),
    ("sub_", lambda t: t.sub_(Tensor([1.0, 0.0, 1.0])), [0.0, 2.0, 2.0]),
    ("sub_alpha", lambda t: t.sub_(1.0, alpha=3), [-2.0, -1.0, 0.0]),
    ("mul_", lambda t: t.mul_(2), [2.0, 4.0, 6.0]),
    ("div_", lambda t: t.div_(Tensor([2.0])), [0.5, 1.0, 1.5]),
    ("zero_", lambda t: t.zero_(), [0.0, 0.0, 0.0]),
    ("fill_", lambda t: t.fill_(7.0), [7.0, 7.0, 7.0]),
    ("fill_0d", lambda t: t.fill_(Tensor(5.0)), [5.0, 5.0, 5.0]),
    ("copy_", lambda t: t.copy_(Tensor([9.0, 8.0, 7.0])), [9.0, 8.0, 7.0]),
    ("copy_bcast", lambda t: t.copy_(Tensor(4.0)), [4.0, 4.0, 4.0]),
    ("copy_int", lambda t: t.copy_(Tensor([4, 5, 6])), [4.0, 5.0, 6.0]),
    ("clamp_", lambda t: t.clamp_(1.5, 2.5), [1.5, 2.0, 2.5]),
    ("clamp_min", lambda t: t.clamp_(min=2.0), [2.0, 2.0, 3.0]),
    ("clamp_max", lambda t: t.clamp_(max=2.0), [1.0, 2.0, 2.0]),
]
UPDATE_IDS = [name for name, _, _ in UPDATES]


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=UPDATE_IDS)
def test_inplace_values(name, update, expected):
    t = Tensor([1.0, 2.0, 3.0])
    update(t)
    assert t.tolist() == expected


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=UPDATE_IDS)
def test_inplace_returns_self(name, update, expected):
    t = Tensor([1.0, 2.0, 3.0])
    assert update(t) is t


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=UPDATE_IDS)
def test_inplace_visible_through_view(name, update, expected):
    t = Tensor([1.0, 2.0, 3.0])
    view = t.reshape(3, 1)
    update(t)
    assert view.reshape(3).tolist() == expected


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=UPDATE_IDS)
def test_inplace_keeps_dtype(name, update, expected):
    t = Tensor([1.0, 2.0, 3.0])
    update(t)
    assert t.dtype == np.float32


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=UPDATE_IDS)
def test_inplace_keeps_float64(name, update, expected):
    t = Tensor(np.array([1.0, 2.0, 3.0]))
    update(t)
    assert t.dtype == np.float64


@pytest.mark.parametrize("name, update, expected", UPDATES, ids=UPDATE_IDS)
def test_inplace_visible_through_data_owner(name, update, expected):
    p = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    update(p.data)
    assert p.detach().tolist() == expected


OPERATORS = [
    ("iadd", lambda t: t.__iadd__(2.0), [3.0, 4.0]),
    ("isub", lambda t: t.__isub__(Tensor([1.0, 1.0])), [0.0, 1.0]),
    ("imul", lambda t: t.__imul__(np.float64(3.0)), [3.0, 6.0]),
    ("itruediv", lambda t: t.__itruediv__(2), [0.5, 1.0]),
]


@pytest.mark.parametrize(
    "name, update, expected", OPERATORS, ids=[o[0] for o in OPERATORS]
)
def test_augmented_assignment_keeps_identity(name, update, expected):
    t = Tensor([1.0, 2.0])
    alias = t
    assert update(t) is alias
    assert alias.tolist() == expected


def test_augmented_assignment_statement():
    t = Tensor([1.0, 2.0])
    alias = t
    t += 1
    t *= 2
    assert alias.tolist() == [4.0, 6.0]


def test_iadd_float64_operand_keeps_float32():
    t = Tensor([1.0, 2.0])
    t += Tensor(np.array([1.5, 1.5]))
    assert t.dtype == np.float32


def test_iadd_broadcast_operand():
    t = Tensor(np.zeros((2, 3), dtype=np.float32))
    t += Tensor([1.0, 2.0, 3.0])
    assert t.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_int_tensor_iadd_int():
    t = Tensor([1, 2])
    t += 3
    assert t.tolist() == [4, 5]


def test_fill_int_tensor_truncates_float():
    assert Tensor([1, 2]).fill_(3.7).tolist() == [3, 3]


def test_copy_float_into_int_truncates():
    assert Tensor([1, 2]).copy_(Tensor([3.7, 4.2])).tolist() == [3, 4]


def test_data_is_detached():
    p = Tensor([1.0], requires_grad=True)
    assert not p.data.requires_grad


def test_detach_shares_memory():
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.detach().add_(1.0)
    assert p.detach().tolist() == [2.0, 3.0]


# Errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [
        lambda t: t.mul_(1.5),
        lambda t: t.div_(2),
        lambda t: t.__itruediv__(2),
        lambda t: t.add_(Tensor([1.5, 1.5])),
        lambda t: t.clamp_(0.5, 1.5),
    ],
)
def test_int_tensor_float_result_raises(update):
    with pytest.raises(DTypeError, match="float32.*int64"):
        update(Tensor([1, 2]))


def test_bool_tensor_int_result_raises():
    with pytest.raises(DTypeError, match="bool"):
        Tensor([True, False]).add_(1)


@pytest.mark.parametrize(
    "update",
    [
        lambda t: t.add_(Tensor([1.0, 2.0, 3.0])),
        lambda t: t.add_(Tensor([[1.0], [2.0]])),
        lambda t: t.copy_(Tensor([1.0, 2.0, 3.0])),
        lambda t: t.mul_(Tensor(np.ones((2, 2)))),
    ],
)
def test_inplace_shape_mismatch_raises(update):
    with pytest.raises(ShapeError, match=r"\(2,\)"):
        update(Tensor([1.0, 2.0]))


def test_fill_nonscalar_tensor_raises():
    with pytest.raises(ShapeError, match="0-d"):
        Tensor([1.0, 2.0]).fill_(Tensor([5.0]))


def test_clamp_without_bounds_raises():
    with pytest.raises(ValueError, match="min"):
        Tensor([1.0]).clamp_()


@pytest.mark.parametrize(
    "update",
    [lambda t: t.add_(1.0), lambda t: t.zero_(), lambda t: t.__iadd__(1.0)],
)
def test_expanded_view_raises(update):
    view = Tensor([1.0]).expand(3)
    with pytest.raises(InPlaceError, match="clone"):
        update(view)


# Gradients through in-place changes of non-leaf tensors -----------------------------

# Each program reads ``a`` (requires grad) and sets ``loss``. The expected
# gradients at A0 come from running the same program in PyTorch 2.13, and each
# is checked again against central differences below.
PROGRAMS = {
    "mul_self": ("b = a * 2; b.mul_(3); loss = (b * b).sum()", [21.6, -14.4, 50.4]),
    "add_then_mul": (
        "b = a * 1; b.add_(a); b.mul_(3); loss = (b * b).sum()",
        [21.6, -14.4, 50.4],
    ),
    "exp_saved_output": (
        "b = a * 2; c = b.exp(); b.add_(1); loss = c.sum() + b.sum()",
        [5.644238, 3.340640, 10.110400],
    ),
    "add_not_saved": (
        "b = a * 2; c = b + 1; b.add_(1); loss = (c * b).sum()",
        [6.4, 2.4, 9.6],
    ),
    "sub_alpha": ("b = a * a; b.sub_(a, alpha=2); loss = b.sum()", [-1.4, -2.4, -0.6]),
    "div_tensor": (
        "b = a + 1; b.div_(a + 3); loss = b.sum()",
        [0.183655, 0.255102, 0.146092],
    ),
    "clamp": ("b = a * 1; b.clamp_(-0.5, 0.5); loss = (b * a).sum()", [0.6, -0.4, 0.5]),
    "copy": (
        "b = tg.zeros(3, dtype=a.dtype); b.copy_(a * 3); loss = (b * b).sum()",
        [5.4, -3.6, 12.6],
    ),
    "fill": ("b = a * 2; b.fill_(3.0); loss = (b * a).sum()", [3.0, 3.0, 3.0]),
    "zero": ("b = a * 2; b.zero_(); loss = (b + a).sum()", [1.0, 1.0, 1.0]),
    "iadd_imul": ("b = a * 2; b += a; b *= a; loss = b.sum()", [1.8, -1.2, 4.2]),
    "float64_copy": (
        "b = (a * 2).double(); b.add_(a); loss = (b * b).sum()",
        [5.4, -3.6, 12.6],
    ),
    # Views: the change reaches the base's history, and older views follow it.
    "view_slice": (
        "b = a * 2; v = b[0:2]; v.mul_(3); loss = (b * b).sum()",
        [21.6, -14.4, 5.6],
    ),
    "view_int": (
        "b = a * 2; v = b[1]; v.add_(a[0]); loss = (b * b).sum()",
        [2.2, -0.4, 5.6],
    ),
    "stale_view": (
        "b = a * 2; v = b[0:2]; b.mul_(a); loss = (v * v).sum()",
        [0.432, -0.128, 0.0],
    ),
    "stale_reshape": (
        "b = a * 2; v = b.reshape(3, 1); b.add_(a * a); loss = (v * 2).sum()",
        [5.2, 3.2, 6.8],
    ),
    "view_of_view": (
        "b = a * 1; v = b[1:]; w = v[1:]; w.mul_(5); loss = (b * b).sum() + v.sum()",
        [0.6, 0.6, 40.0],
    ),
    "transposed_view": (
        "b = (a * 1).reshape(1, 3).expand(2, 3) * 1; "
        "b.T.mul_(a.reshape(3, 1)); loss = (b * b).sum()",
        [0.216, -0.064, 2.744],
    ),
    "plain_base_grad_operand": (
        "b = tg.ones(3, dtype=a.dtype); v = b[0:2]; v.mul_(a[0:2]); "
        "loss = (b * b).sum()",
        [0.6, -0.4, 0.0],
    ),
}
A0 = [0.3, -0.2, 0.7]


def _run_program(source, values, requires_grad=True):
    a = Tensor(np.asarray(values), requires_grad=requires_grad)
    scope = {"a": a, "tg": tg}
    exec(source, scope)
    return a, scope["loss"]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_inplace_gradient_matches_pytorch(name):
    source, expected = PROGRAMS[name]
    a, loss = _run_program(source, np.float32(A0))
    loss.backward()
    np.testing.assert_allclose(a.grad.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_inplace_gradient_matches_finite_differences(name):
    source, _ = PROGRAMS[name]
    a, loss = _run_program(source, np.float64(A0))
    loss.backward()

    step = 1e-6
    numeric = []
    for i in range(len(A0)):
        shifted = [np.float64(A0).copy() for _ in range(2)]
        shifted[0][i] += step
        shifted[1][i] -= step
        with no_grad():
            up = _run_program(source, shifted[0], requires_grad=False)[1].item()
            down = _run_program(source, shifted[1], requires_grad=False)[1].item()
        numeric.append((up - down) / (2 * step))
    np.testing.assert_allclose(a.grad.numpy(), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_inplace_gradient_keeps_float32(name):
    source, _ = PROGRAMS[name]
    a, loss = _run_program(source, np.float32(A0))
    loss.backward()
    assert a.grad.dtype == np.float32


def test_inplace_nonleaf_takes_new_grad_fn():
    b = Tensor([1.0], requires_grad=True) * 2
    b.add_(1)
    assert "AddBackward" in repr(b.grad_fn)


def test_inplace_view_base_takes_copy_slices():
    b = Tensor([1.0, 2.0], requires_grad=True) * 2
    b[0:1].mul_(3)
    assert "CopySlicesBackward" in repr(b.grad_fn)


def test_inplace_view_writes_base_values():
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    b[1:].mul_(Tensor([2.0, 3.0]))
    assert b.tolist() == [1.0, 4.0, 9.0]


def test_inplace_plain_tensor_with_grad_operand():
    weight = Tensor([3.0, 4.0], requires_grad=True)
    t = Tensor([1.0, 2.0])
    t.mul_(weight)
    t.sum().backward()
    assert weight.grad.tolist() == [1.0, 2.0]


# Saved values changed in place raise at backward --------------------------------

SAVED = {
    "mul_input": "b = a * 2; c = b * b; b.add_(1); c.sum().backward()",
    "operand": "b = a * 1; c = a * b; b.mul_(2); c.sum().backward()",
    "self_saved": "b = a * 2; b.mul_(b); b.sum().backward()",
    "view_saved": "b = a * 2; v = b[0:2]; c = v * v; b.add_(1); c.sum().backward()",
    "pow_base": "b = a + 1; c = b**2; b.zero_(); c.sum().backward()",
    "detached_alias": "y = (a * a).sum(); a.detach().mul_(2); y.backward()",
    "no_grad_leaf": "y = (a * a).sum()\nwith tg.no_grad(): a.mul_(2)\ny.backward()",
    "saved_view_operand": "b = a * 2; v = b[1]; v.mul_(b[0]); (b * b).sum().backward()",
}


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_value_changed_raises(name):
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(InPlaceError, match="changed in place"):
        exec(SAVED[name], {"a": a, "tg": tg})


def test_saved_value_error_is_runtime_error():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError):
        c.sum().backward()


def test_unsaved_value_changed_is_fine():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = b + 1
    b.add_(1)
    c.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


# Leaves and no_grad -----------------------------------------------------------------

LEAF_UPDATES = [
    lambda p: p.add_(1.0),
    lambda p: p.sub_(1.0),
    lambda p: p.mul_(2.0),
    lambda p: p.div_(2.0),
    lambda p: p.zero_(),
    lambda p: p.fill_(1.0),
    lambda p: p.copy_(Tensor([5.0, 6.0])),
    lambda p: p.clamp_(0.0, 1.0),
    lambda p: p.__iadd__(1.0),
    lambda p: p.__isub__(1.0),
    lambda p: p.__imul__(2.0),
    lambda p: p.__itruediv__(2.0),
]


@pytest.mark.parametrize("update", LEAF_UPDATES)
def test_leaf_requiring_grad_raises(update):
    p = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(InPlaceError, match="no_grad"):
        update(p)


@pytest.mark.parametrize("update", LEAF_UPDATES)
def test_leaf_error_is_runtime_error(update):
    with pytest.raises(RuntimeError):
        update(Tensor([1.0, 2.0], requires_grad=True))


@pytest.mark.parametrize("update", LEAF_UPDATES)
def test_leaf_under_no_grad_stays_leaf(update):
    p = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        update(p)
    assert p.is_leaf
    assert p.requires_grad
    assert p.grad_fn is None


@pytest.mark.parametrize("update", LEAF_UPDATES[:4])
def test_view_of_leaf_raises(update):
    p = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(InPlaceError, match="view of a leaf"):
        update(p[0:2])


def test_leaf_view_no_grad_update():
    p = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with no_grad():
        p[0:2].mul_(2)
    assert p.detach().tolist() == [2.0, 4.0, 3.0]


def test_no_grad_view_change_raises():
    b = Tensor([1.0, 2.0], requires_grad=True) * 2
    with no_grad():
        view = b[0:1]
    with pytest.raises(InPlaceError, match="no_grad"):
        view.mul_(2)


def test_sgd_step_by_hand():
    p = Tensor([1.0, 2.0], requires_grad=True)
    alias = p
    (p * p).sum().backward()
    with no_grad():
        p -= 0.1 * p.grad
    assert alias is p
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6], rtol=1e-6)


def test_sgd_step_by_hand_keeps_float32():
    p = Tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    with no_grad():
        p -= 0.1 * p.grad
    assert p.dtype == np.float32


def test_sgd_step_visible_to_holder():
    p = Tensor([1.0, 2.0], requires_grad=True)
    params = {"w": p}
    (p * 3).sum().backward()
    with no_grad():
        for value in params.values():
            value -= 0.5 * value.grad
    assert params["w"].detach().tolist() == [-0.5, 0.5]


def test_grad_zero_in_place():
    p = Tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    p.grad.zero_()
    assert p.grad.tolist() == [0.0, 0.0]


def test_data_update_skips_graph_check():
    p = Tensor([1.0, 2.0], requires_grad=True)
    y = (p * p).sum()
    p.data.mul_(2)
    y.backward()
    assert p.grad.tolist() == [4.0, 8.0]


def test_data_update_in_grad_mode():
    p = Tensor([1.0, 2.0], requires_grad=True)
    p.data.add_(1)
    assert p.detach().tolist() == [2.0, 3.0]
