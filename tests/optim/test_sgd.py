import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu.grad_mode import is_grad_enabled, no_grad
from tinygrad_edu.optim import SGD
from tinygrad_edu.tensor import Tensor

SHAPE = (3, 4)
STEPS = 5

# Each case turns on one option, or a combination, on top of lr=0.1.
CASES = {
    "plain": {},
    "momentum": {"momentum": 0.9},
    "dampening": {"momentum": 0.9, "dampening": 0.3},
    "nesterov": {"momentum": 0.9, "nesterov": True},
    "weight_decay": {"weight_decay": 0.05},
    "maximize": {"maximize": True},
    "momentum_weight_decay": {"momentum": 0.8, "weight_decay": 0.05},
    "nesterov_weight_decay_maximize": {
        "momentum": 0.7,
        "nesterov": True,
        "weight_decay": 0.05,
        "maximize": True,
    },
    "dampening_weight_decay_maximize": {
        "momentum": 0.9,
        "dampening": 0.5,
        "weight_decay": 0.1,
        "maximize": True,
    },
    "maximize_weight_decay": {"weight_decay": 0.2, "maximize": True},
    "momentum_maximize": {"momentum": 0.9, "maximize": True},
}


def reference_sgd(
    param,
    grads,
    lr=0.1,
    momentum=0.0,
    dampening=0.0,
    weight_decay=0.0,
    nesterov=False,
    maximize=False,
):
    """Return the parameter after each step and the last momentum buffer.

    Written from the update equations, in float64 NumPy, one step at a time.
    """
    param = np.array(param, dtype=np.float64)
    buffer = None
    history = []
    for grad in grads:
        g = -np.asarray(grad, np.float64) if maximize else np.asarray(grad, np.float64)
        g = g + weight_decay * param
        if momentum != 0:
            if buffer is None:
                buffer = g.copy()
            else:
                buffer = momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        param = param - lr * g
        history.append(param)
    return history, buffer


def random_problem(seed, dtype=np.float64):
    """Return a start value and STEPS gradients of SHAPE."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal(SHAPE).astype(dtype)
    grads = [rng.standard_normal(SHAPE).astype(dtype) for _ in range(STEPS)]
    return start, grads


def run_sgd(start, grads, **options):
    """Run SGD on the given gradients and return the values after each step."""
    param = Tensor(start, requires_grad=True)
    optimizer = SGD([param], **options)
    history = []
    for grad in grads:
        param.grad = Tensor(grad)
        optimizer.step()
        history.append(param.detach().numpy().copy())
    return history, optimizer, param


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_sgd_matches_reference_float64(options):
    start, grads = random_problem(0)
    options = {"lr": 0.1, **options}

    history, optimizer, param = run_sgd(start, grads, **options)
    expected, expected_buffer = reference_sgd(start, grads, **options)

    for step, (actual, wanted) in enumerate(zip(history, expected, strict=True)):
        np.testing.assert_allclose(
            actual, wanted, rtol=1e-12, atol=1e-14, err_msg=f"step {step}"
        )
    if expected_buffer is not None:
        buffer = optimizer.state[param]["momentum_buffer"]
        np.testing.assert_allclose(buffer.numpy(), expected_buffer, rtol=1e-12)


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_sgd_matches_reference_float32(options):
    start, grads = random_problem(1, np.float32)
    options = {"lr": 0.1, **options}

    history, optimizer, param = run_sgd(start, grads, **options)
    expected, _ = reference_sgd(start, grads, **options)

    for step, (actual, wanted) in enumerate(zip(history, expected, strict=True)):
        np.testing.assert_allclose(
            actual, wanted, rtol=1e-5, atol=1e-6, err_msg=f"step {step}"
        )
    assert param.dtype == np.float32


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_sgd_keeps_float32_buffer(options):
    start, grads = random_problem(2, np.float32)
    _, optimizer, param = run_sgd(start, grads, lr=0.1, **options)

    for value in optimizer.state[param].values():
        assert value.dtype == np.float32


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_sgd_leaves_grad_unchanged(options):
    start, grads = random_problem(3)
    param = Tensor(start, requires_grad=True)
    optimizer = SGD([param], lr=0.1, **options)

    for grad in grads:
        param.grad = Tensor(grad)
        optimizer.step()
        np.testing.assert_array_equal(param.grad.numpy(), grad)


@settings(deadline=None, max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    lr=st.floats(0.0, 1.0),
    momentum=st.sampled_from([0.0, 0.5, 0.9, 0.99]),
    dampening=st.floats(0.0, 1.0),
    weight_decay=st.floats(0.0, 0.5),
    nesterov=st.booleans(),
    maximize=st.booleans(),
)
def test_sgd_matches_reference_random_options(
    seed, lr, momentum, dampening, weight_decay, nesterov, maximize
):
    if nesterov:
        dampening = 0.0
        momentum = momentum or 0.9
    options = {
        "lr": lr,
        "momentum": momentum,
        "dampening": dampening,
        "weight_decay": weight_decay,
        "nesterov": nesterov,
        "maximize": maximize,
    }
    start, grads = random_problem(seed)

    history, _, _ = run_sgd(start, grads, **options)
    expected, _ = reference_sgd(start, grads, **options)

    np.testing.assert_allclose(history[-1], expected[-1], rtol=1e-10, atol=1e-12)


def test_sgd_updates_param_in_place():
    param = Tensor([1.0, 2.0], requires_grad=True)
    alias = param.detach()
    param.grad = Tensor([1.0, 1.0])

    SGD([param], lr=0.5).step()

    np.testing.assert_allclose(alias.numpy(), [0.5, 1.5])
    assert param.is_leaf
    assert param.requires_grad


def test_sgd_step_from_backward():
    start = np.array([1.0, -2.0, 3.0])
    target = Tensor([0.5, 0.5, 0.5], dtype=np.float64)
    param = Tensor(start, requires_grad=True)
    optimizer = SGD([param], lr=0.1, momentum=0.9)

    for _ in range(3):
        optimizer.zero_grad()
        ((param - target) ** 2).sum().backward()
        optimizer.step()

    # The loss's gradient is 2 * (param - target), so replay the update by hand.
    expected = start.copy()
    buffer = None
    for _ in range(3):
        grad = 2 * (expected - 0.5)
        buffer = grad if buffer is None else 0.9 * buffer + grad
        expected = expected - 0.1 * buffer
    np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-12)


def test_sgd_default_hyperparameters():
    optimizer = SGD([Tensor([1.0], requires_grad=True)])
    group = optimizer.param_groups[0]

    assert group["lr"] == 1e-3
    assert group["momentum"] == 0
    assert group["dampening"] == 0
    assert group["weight_decay"] == 0
    assert group["nesterov"] is False
    assert group["maximize"] is False


def test_sgd_maximize_keyword_only():
    param = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError):
        SGD([param], 0.1, 0, 0, 0, False, True)


def test_sgd_param_groups_own_lr():
    first = Tensor([1.0, 2.0], requires_grad=True)
    second = Tensor([3.0], requires_grad=True)
    optimizer = SGD(
        [{"params": [first]}, {"params": second, "lr": 0.5, "momentum": 0.9}],
        lr=0.1,
    )
    first_grads = [np.array([1.0, -1.0]), np.array([0.5, 2.0])]
    second_grads = [np.array([2.0]), np.array([-1.0])]

    for first_grad, second_grad in zip(first_grads, second_grads, strict=True):
        first.grad = Tensor(first_grad, dtype=np.float32)
        second.grad = Tensor(second_grad, dtype=np.float32)
        optimizer.step()

    first_expected, _ = reference_sgd([1.0, 2.0], first_grads, lr=0.1)
    second_expected, _ = reference_sgd([3.0], second_grads, lr=0.5, momentum=0.9)
    np.testing.assert_allclose(first.detach().numpy(), first_expected[-1], rtol=1e-6)
    np.testing.assert_allclose(second.detach().numpy(), second_expected[-1], rtol=1e-6)


def test_sgd_group_lr_change_applies():
    param = Tensor([1.0], requires_grad=True)
    optimizer = SGD([param], lr=0.1)
    optimizer.param_groups[0]["lr"] = 0.5
    param.grad = Tensor([1.0])

    optimizer.step()

    np.testing.assert_allclose(param.detach().numpy(), [0.5])


def test_sgd_skips_param_without_grad():
    with_grad = Tensor([1.0, 2.0], requires_grad=True)
    without_grad = Tensor([3.0, 4.0], requires_grad=True)
    optimizer = SGD([with_grad, without_grad], lr=0.1, momentum=0.9)
    with_grad.grad = Tensor([1.0, 1.0])

    optimizer.step()

    np.testing.assert_array_equal(without_grad.detach().numpy(), [3.0, 4.0])
    assert without_grad not in optimizer.state
    assert with_grad in optimizer.state


def test_sgd_skips_param_not_requiring_grad():
    frozen = Tensor([3.0, 4.0])
    trained = Tensor([1.0], requires_grad=True)
    optimizer = SGD([frozen, trained], lr=0.1, momentum=0.9)
    trained.grad = Tensor([1.0])

    optimizer.step()

    np.testing.assert_array_equal(frozen.numpy(), [3.0, 4.0])
    assert frozen not in optimizer.state


def test_sgd_no_state_without_momentum():
    param = Tensor([1.0], requires_grad=True)
    optimizer = SGD([param], lr=0.1)
    param.grad = Tensor([1.0])

    optimizer.step()

    assert len(optimizer.state) == 0


def test_sgd_first_buffer_is_gradient_copy():
    param = Tensor([1.0, 2.0], requires_grad=True)
    optimizer = SGD([param], lr=0.1, momentum=0.9)
    param.grad = Tensor([0.5, -0.5])

    optimizer.step()
    buffer = optimizer.state[param]["momentum_buffer"]
    param.grad.zero_()

    np.testing.assert_array_equal(buffer.numpy(), [0.5, -0.5])
    assert not buffer.requires_grad


def test_sgd_first_step_ignores_dampening():
    param = Tensor([0.0], requires_grad=True)
    optimizer = SGD([param], lr=1.0, momentum=0.9, dampening=0.5)
    param.grad = Tensor([2.0])

    optimizer.step()

    np.testing.assert_array_equal(param.detach().numpy(), [-2.0])


def test_sgd_lr_zero_keeps_param():
    param = Tensor([1.0], requires_grad=True)
    param.grad = Tensor([5.0])

    SGD([param], lr=0.0).step()

    np.testing.assert_array_equal(param.detach().numpy(), [1.0])


def test_sgd_numpy_float64_lr_keeps_float32():
    param = Tensor([1.0, 2.0], requires_grad=True)
    optimizer = SGD([param], lr=np.float64(0.1), momentum=np.float64(0.9))
    param.grad = Tensor([1.0, 1.0])

    optimizer.step()
    optimizer.step()

    assert param.dtype == np.float32
    assert optimizer.state[param]["momentum_buffer"].dtype == np.float32


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lr": -0.1}, "Invalid learning rate: -0.1"),
        ({"momentum": -0.5}, "Invalid momentum value: -0.5"),
        ({"weight_decay": -1e-4}, "Invalid weight_decay value: -0.0001"),
        ({"nesterov": True}, "Nesterov momentum requires a momentum"),
        (
            {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
            "Nesterov momentum requires a momentum and zero dampening",
        ),
    ],
    ids=["lr", "momentum", "weight_decay", "nesterov_no_momentum", "nesterov_damp"],
)
def test_sgd_rejects_invalid_option(options, message):
    param = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=message):
        SGD([param], **options)


def test_sgd_closure_returns_loss():
    param = Tensor([2.0], requires_grad=True)
    optimizer = SGD([param], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)

    assert loss.item() == 4.0
    np.testing.assert_allclose(param.detach().numpy(), [1.0])


def test_sgd_closure_runs_with_grad_enabled():
    param = Tensor([2.0], requires_grad=True)
    optimizer = SGD([param], lr=0.1)
    modes = []

    def closure():
        modes.append(is_grad_enabled())
        param.grad = Tensor([1.0])
        return 0.0

    with no_grad():
        optimizer.step(closure)
        mode_after_step = is_grad_enabled()

    assert modes == [True]
    assert mode_after_step is False
    np.testing.assert_allclose(param.detach().numpy(), [1.9])


def test_sgd_step_without_closure_returns_none():
    param = Tensor([2.0], requires_grad=True)
    param.grad = Tensor([1.0])

    assert SGD([param], lr=0.1).step() is None


def test_sgd_step_records_no_graph():
    param = Tensor([2.0], requires_grad=True)
    optimizer = SGD([param], lr=0.1, momentum=0.9, weight_decay=0.1)
    param.grad = Tensor([1.0])

    optimizer.step()

    assert param.grad_fn is None
    assert optimizer.state[param]["momentum_buffer"].grad_fn is None


def test_sgd_momentum_with_zeroed_grads():
    start = np.array([1.0, -2.0])
    param = Tensor(start, requires_grad=True)
    optimizer = SGD([param], lr=0.1, momentum=0.9)
    scales = [1.0, 3.0, -2.0]

    for scale in scales:
        optimizer.zero_grad(set_to_none=False)
        (param * scale).sum().backward()
        optimizer.step()

    grads = [np.full(2, scale) for scale in scales]
    expected, _ = reference_sgd(start, grads, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(param.detach().numpy(), expected[-1], rtol=1e-12)
