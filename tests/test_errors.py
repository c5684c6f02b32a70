"""Library warnings point at the user's code, not at library internals."""

import warnings

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def _first_warning(action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return caught[0]


def test_softmax_warning_points_at_caller():
    warning = _first_warning(lambda: nn.Softmax()(tg.randn(2, 3)))
    assert warning.filename == __file__


def test_optimizer_warning_points_at_caller():
    weight = tg.randn(2, requires_grad=True)
    warning = _first_warning(lambda: optim.SGD([weight, weight], lr=0.1))
    assert warning.filename == __file__


def test_init_warning_points_at_caller():
    warning = _first_warning(lambda: nn.Linear(0, 2))
    assert warning.filename == __file__


def test_dim_out_of_range_is_index_error():
    import pytest

    with pytest.raises(IndexError, match="out of range"):
        tg.randn(2, 3).sum(dim=5)


def test_backward_of_nan_loss_warns_at_caller():
    x = tg.Tensor([1.0], requires_grad=True)
    loss = (x * float("nan")).sum()
    warning = _first_warning(loss.backward)
    assert issubclass(warning.category, RuntimeWarning)
    assert "non-finite" in str(warning.message)
