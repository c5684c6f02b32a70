"""In-place changes in a training loop: caught when backward needs the old value.

An optimizer step writes into the parameters in place. A backward that still
needs their old values must raise, while the usual zero_grad, backward, step
loop and a forward whose graph is never used must keep working. The operator
cases (``+=``, ``mul_``, views) are tested in tests/test_inplace.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.errors import InPlaceError
from tinygrad_edu.nn import functional as F


def make_training():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = Tensor(np.linspace(-1.0, 1.0, num=15, dtype=np.float32).reshape(5, 3))
    y = Tensor([0, 1, 0, 1, 1])
    return model, optimizer, x, y


def test_step_before_backward_raises():
    model, optimizer, x, y = make_training()
    F.cross_entropy(model(x), y).backward()
    loss = F.cross_entropy(model(x), y)
    optimizer.step()

    with pytest.raises(InPlaceError) as info:
        loss.backward()

    assert "AffineBackward" in str(info.value)
    assert "changed in place" in str(info.value)


def test_step_before_backward_keeps_grads():
    model, optimizer, x, y = make_training()
    F.cross_entropy(model(x), y).backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    loss = F.cross_entropy(model(x), y)
    optimizer.step()

    with pytest.raises(InPlaceError):
        loss.backward()

    for param, grad in zip(model.parameters(), grads, strict=True):
        np.testing.assert_array_equal(param.grad.numpy(), grad)


def test_usual_loop_keeps_working():
    model, optimizer, x, y = make_training()
    losses = []
    for _ in range(20):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    assert losses[-1] < losses[0]


def test_unused_forward_then_step_works():
    model, optimizer, x, y = make_training()
    F.cross_entropy(model(x), y).backward()
    unused = model(x)  # a graph that saved the weights, never backpropagated
    optimizer.step()

    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()

    assert unused.grad_fn is not None
    assert all(p.grad is not None for p in model.parameters())


def test_write_through_numpy_detected():
    x = Tensor([1.0, 2.0])
    weight = Tensor([3.0, 4.0], requires_grad=True)
    loss = (x * weight).sum()
    x.numpy()[0] = 100.0

    with pytest.raises(InPlaceError):
        loss.backward()


def test_write_through_detached_numpy_detected():
    weight = Tensor([3.0, 4.0], requires_grad=True)
    loss = (weight * weight).sum()
    weight.detach().numpy()[0] = 100.0

    with pytest.raises(InPlaceError, match="numpy"):
        loss.backward()


def test_write_through_numpy_of_saved_output_detected():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    loss = y.sum()
    y.detach().numpy()[1] = 0.0

    with pytest.raises(InPlaceError, match="numpy"):
        loss.backward()


def test_write_through_numpy_before_forward_is_allowed():
    x = Tensor([1.0, 2.0])
    x.numpy()[0] = 5.0
    weight = Tensor([3.0, 4.0], requires_grad=True)
    (x * weight).sum().backward()
    assert weight.grad.tolist() == [5.0, 2.0]


def test_reading_numpy_before_backward_is_allowed():
    x = Tensor([1.0, 2.0])
    weight = Tensor([3.0, 4.0], requires_grad=True)
    loss = (x * weight).sum()
    assert x.numpy().sum() == 3.0
    loss.backward()
    assert weight.grad.tolist() == [1.0, 2.0]


def test_exposed_tensor_saved_later_is_checked():
    x = Tensor([1.0, 2.0])
    array = x.numpy()
    weight = Tensor([3.0, 4.0], requires_grad=True)
    loss = (x * weight).sum()
    array[1] = -1.0

    with pytest.raises(InPlaceError, match="numpy"):
        loss.backward()
