import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu
from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.optim import Adagrad, Adam, AdamW, RMSprop
from tinygrad_edu.tensor import Tensor

SHAPE = (3, 4)
STEPS = 6


def reference_adam(
    param,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled_weight_decay=False,
):
    """Return the parameter after each step, from Adam's equations in float64."""
    beta1, beta2 = betas
    param = np.array(param, dtype=np.float64)
    m = np.zeros_like(param)
    v = np.zeros_like(param)
    v_max = np.zeros_like(param)
    history = []
    for t, grad in enumerate(grads, start=1):
        g = -np.asarray(grad, np.float64) if maximize else np.asarray(grad, np.float64)
        if decoupled_weight_decay:
            param = param * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * param
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        second = v_max if amsgrad else v
        denom = np.sqrt(second) / math.sqrt(1 - beta2**t) + eps
        param = param - lr / (1 - beta1**t) * m / denom
        history.append(param)
    return history


def reference_rmsprop(
    param,
    grads,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    """Return the parameter after each step, from RMSprop's equations in float64."""
    param = np.array(param, dtype=np.float64)
    v = np.zeros_like(param)
    a = np.zeros_like(param)
    b = np.zeros_like(param)
    history = []
    for grad in grads:
        g = -np.asarray(grad, np.float64) if maximize else np.asarray(grad, np.float64)
        g = g + weight_decay * param
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            a = alpha * a + (1 - alpha) * g
            denom = np.sqrt(v - a * a) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / denom
            param = param - lr * b
        else:
            param = param - lr * g / denom
        history.append(param)
    return history


def reference_adagrad(
    param,
    grads,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    """Return the parameter after each step, from Adagrad's equations in float64."""
    param = np.array(param, dtype=np.float64)
    s = np.full_like(param, initial_accumulator_value)
    history = []
    for t, grad in enumerate(grads, start=1):
        g = -np.asarray(grad, np.float64) if maximize else np.asarray(grad, np.float64)
        g = g + weight_decay * param
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        param = param - clr * g / (np.sqrt(s) + eps)
        history.append(param)
    return history


def reference_adamw(param, grads, **options):
    return reference_adam(param, grads, decoupled_weight_decay=True, **options)


# (optimizer class, NumPy reference, options) for every tested combination.
CASES = {
    "adam_plain": (Adam, reference_adam, {"lr": 0.1}),
    "adam_betas": (Adam, reference_adam, {"lr": 0.05, "betas": (0.5, 0.9)}),
    "adam_weight_decay": (Adam, reference_adam, {"lr": 0.1, "weight_decay": 0.1}),
    "adam_amsgrad": (Adam, reference_adam, {"lr": 0.1, "amsgrad": True}),
    "adam_maximize": (Adam, reference_adam, {"lr": 0.1, "maximize": True}),
    "adam_eps": (Adam, reference_adam, {"lr": 0.1, "eps": 0.5}),
    "adam_decoupled": (
        Adam,
        reference_adam,
        {"lr": 0.1, "weight_decay": 0.2, "decoupled_weight_decay": True},
    ),
    "adam_all": (
        Adam,
        reference_adam,
        {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True, "maximize": True},
    ),
    "adamw_plain": (AdamW, reference_adamw, {"lr": 0.1, "weight_decay": 1e-2}),
    "adamw_all": (
        AdamW,
        reference_adamw,
        {"lr": 0.1, "weight_decay": 0.3, "amsgrad": True, "maximize": True},
    ),
    "rmsprop_plain": (RMSprop, reference_rmsprop, {}),
    "rmsprop_alpha": (RMSprop, reference_rmsprop, {"lr": 0.05, "alpha": 0.5}),
    "rmsprop_centered": (RMSprop, reference_rmsprop, {"centered": True}),
    "rmsprop_momentum": (RMSprop, reference_rmsprop, {"momentum": 0.9}),
    "rmsprop_all": (
        RMSprop,
        reference_rmsprop,
        {
            "momentum": 0.8,
            "centered": True,
            "weight_decay": 0.1,
            "maximize": True,
            "eps": 1e-3,
        },
    ),
    "adagrad_plain": (Adagrad, reference_adagrad, {"lr": 0.1}),
    "adagrad_lr_decay": (Adagrad, reference_adagrad, {"lr": 0.1, "lr_decay": 0.5}),
    "adagrad_all": (
        Adagrad,
        reference_adagrad,
        {
            "lr": 0.1,
            "lr_decay": 0.2,
            "weight_decay": 0.1,
            "initial_accumulator_value": 0.5,
            "eps": 1e-3,
            "maximize": True,
        },
    ),
}


def random_problem(seed, dtype=np.float64):
    """Return a start value and STEPS gradients of SHAPE."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal(SHAPE).astype(dtype)
    grads = [rng.standard_normal(SHAPE).astype(dtype) for _ in range(STEPS)]
    return start, grads


def run_optimizer(optimizer_class, start, grads, **options):
    """Run the optimizer on the gradients; return the values after each step."""
    param = Tensor(start, requires_grad=True)
    optimizer = optimizer_class([param], **options)
    history = []
    for grad in grads:
        param.grad = Tensor(grad)
        optimizer.step()
        history.append(param.detach().numpy().copy())
    return history, optimizer, param


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_adaptive_matches_reference_float64(case):
    optimizer_class, reference, options = case
    start, grads = random_problem(0)

    history, _, _ = run_optimizer(optimizer_class, start, grads, **options)
    expected = reference(start, grads, **options)

    for step, (actual, wanted) in enumerate(zip(history, expected, strict=True)):
        np.testing.assert_allclose(
            actual, wanted, rtol=1e-10, atol=1e-12, err_msg=f"step {step}"
        )


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_adaptive_matches_reference_float32(case):
    optimizer_class, reference, options = case
    start, grads = random_problem(1, np.float32)

    history, optimizer, param = run_optimizer(optimizer_class, start, grads, **options)
    expected = reference(start, grads, **options)

    for step, (actual, wanted) in enumerate(zip(history, expected, strict=True)):
        np.testing.assert_allclose(
            actual, wanted, rtol=1e-4, atol=1e-5, err_msg=f"step {step}"
        )
    assert param.dtype == np.float32


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_adaptive_state_keeps_float32(case):
    optimizer_class, _, options = case
    start, grads = random_problem(2, np.float32)
    _, optimizer, param = run_optimizer(optimizer_class, start, grads, **options)

    for value in optimizer.state[param].values():
        assert value.dtype == np.float32


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_adaptive_leaves_grad_unchanged(case):
    optimizer_class, _, options = case
    start, grads = random_problem(3)
    param = Tensor(start, requires_grad=True)
    optimizer = optimizer_class([param], **options)

    for grad in grads:
        param.grad = Tensor(grad)
        optimizer.step()
        np.testing.assert_array_equal(param.grad.numpy(), grad)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_adaptive_state_dict_round_trip(case, tmp_path):
    optimizer_class, _, options = case
    start, grads = random_problem(4)
    half = STEPS // 2
    _, optimizer, param = run_optimizer(optimizer_class, start, grads[:half], **options)
    path = tmp_path / "optimizer.npz"
    tinygrad_edu.save(optimizer.state_dict(), path)

    copy = Tensor(param.detach().numpy().copy(), requires_grad=True)
    restored = optimizer_class([copy], **options)
    restored.load_state_dict(tinygrad_edu.load(path))
    for grad in grads[half:]:
        param.grad = Tensor(grad)
        copy.grad = Tensor(grad)
        optimizer.step()
        restored.step()
        np.testing.assert_array_equal(copy.detach().numpy(), param.detach().numpy())


STATE_KEYS = {
    "adam": (Adam, {}, {"step", "exp_avg", "exp_avg_sq"}),
    "adam_amsgrad": (
        Adam,
        {"amsgrad": True},
        {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    ),
    "adamw": (AdamW, {}, {"step", "exp_avg", "exp_avg_sq"}),
    "rmsprop": (RMSprop, {}, {"step", "square_avg"}),
    "rmsprop_all": (
        RMSprop,
        {"momentum": 0.5, "centered": True},
        {"step", "square_avg", "momentum_buffer", "grad_avg"},
    ),
    "adagrad": (Adagrad, {}, {"step", "sum"}),
}


@pytest.mark.parametrize("case", STATE_KEYS.values(), ids=STATE_KEYS.keys())
def test_adaptive_state_names(case):
    optimizer_class, options, keys = case
    start, grads = random_problem(5)
    _, optimizer, param = run_optimizer(optimizer_class, start, grads, **options)

    assert set(optimizer.state[param]) == keys


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_step_count(optimizer_class):
    start, grads = random_problem(6)
    _, optimizer, param = run_optimizer(optimizer_class, start, grads)
    step = optimizer.state[param]["step"]

    assert float(step) == STEPS
    assert step.dtype == np.float32


DEFAULTS = {
    "adam": (
        Adam,
        {
            "lr": 1e-3,
            "betas": (0.9, 0.999),
            "eps": 1e-8,
            "weight_decay": 0,
            "amsgrad": False,
            "maximize": False,
            "decoupled_weight_decay": False,
        },
    ),
    "adamw": (
        AdamW,
        {
            "lr": 1e-3,
            "betas": (0.9, 0.999),
            "eps": 1e-8,
            "weight_decay": 1e-2,
            "amsgrad": False,
            "maximize": False,
            "decoupled_weight_decay": True,
        },
    ),
    "rmsprop": (
        RMSprop,
        {
            "lr": 1e-2,
            "alpha": 0.99,
            "eps": 1e-8,
            "weight_decay": 0,
            "momentum": 0,
            "centered": False,
            "maximize": False,
        },
    ),
    "adagrad": (
        Adagrad,
        {
            "lr": 1e-2,
            "lr_decay": 0,
            "weight_decay": 0,
            "initial_accumulator_value": 0,
            "eps": 1e-10,
            "maximize": False,
        },
    ),
}


@pytest.mark.parametrize("case", DEFAULTS.values(), ids=DEFAULTS.keys())
def test_adaptive_default_hyperparameters(case):
    optimizer_class, expected = case
    optimizer = optimizer_class([Tensor([1.0], requires_grad=True)])

    assert optimizer.defaults == expected


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_maximize_keyword_only(optimizer_class):
    param = Tensor([1.0], requires_grad=True)
    positional = [1e-2] * 8

    with pytest.raises(TypeError):
        optimizer_class([param], *positional)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_skips_param_without_grad(optimizer_class):
    used = Tensor([1.0, 2.0], requires_grad=True)
    unused = Tensor([3.0, 4.0], requires_grad=True)
    optimizer = optimizer_class([used, unused], lr=0.1)
    used.grad = Tensor([1.0, 1.0])
    optimizer.step()

    np.testing.assert_array_equal(unused.detach().numpy(), [3.0, 4.0])
    assert float(optimizer.state[unused].get("step", 0.0)) == 0.0


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_param_groups_own_lr(optimizer_class):
    start, grads = random_problem(7)
    first = Tensor(start, requires_grad=True)
    second = Tensor(start, requires_grad=True)
    optimizer = optimizer_class(
        [{"params": [first]}, {"params": [second], "lr": 0.0}], lr=0.1
    )
    first.grad = Tensor(grads[0])
    second.grad = Tensor(grads[0])
    optimizer.step()

    assert not np.array_equal(first.detach().numpy(), start)
    np.testing.assert_array_equal(second.detach().numpy(), start)


def test_adagrad_creates_state_in_constructor():
    param = Tensor([1.0, 2.0], requires_grad=True)
    optimizer = Adagrad([param], initial_accumulator_value=0.25)
    state = optimizer.state[param]

    assert float(state["step"]) == 0.0
    np.testing.assert_array_equal(state["sum"].numpy(), [0.25, 0.25])


def test_adagrad_add_param_group_creates_state():
    optimizer = Adagrad([Tensor([1.0], requires_grad=True)])
    added = Tensor([2.0, 3.0], requires_grad=True)
    optimizer.add_param_group({"params": [added], "initial_accumulator_value": 2.0})

    np.testing.assert_array_equal(optimizer.state[added]["sum"].numpy(), [2.0, 2.0])


def test_adam_first_step_moves_by_lr():
    # On step 1 the bias-corrected update is lr * g / (|g| + eps), so each
    # entry moves by about lr against the sign of its gradient.
    param = Tensor([1.0, -2.0, 3.0], dtype="float64", requires_grad=True)
    optimizer = Adam([param], lr=0.1)
    param.grad = Tensor([0.5, -4.0, 1e-3], dtype="float64")
    optimizer.step()

    np.testing.assert_allclose(param.detach().numpy(), [0.9, -1.9, 2.9], rtol=1e-6)


def test_adamw_lr_zero_skips_decay():
    param = Tensor([1.0, 2.0], requires_grad=True)
    optimizer = AdamW([param], lr=0.0, weight_decay=0.5)
    param.grad = Tensor([1.0, 1.0])
    optimizer.step()

    np.testing.assert_array_equal(param.detach().numpy(), [1.0, 2.0])


def test_adam_numpy_float64_lr_keeps_float32():
    start, grads = random_problem(8, np.float32)
    history, optimizer, param = run_optimizer(
        Adam, start, grads, lr=np.float64(0.1), betas=(np.float64(0.9), 0.99)
    )

    assert param.dtype == np.float32
    assert optimizer.state[param]["exp_avg"].dtype == np.float32


INVALID = [
    (Adam, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Adam, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (Adam, {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    (Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    (Adam, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (Adam, {"lr": math.nan}, "lr must be a finite number"),
    (AdamW, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (RMSprop, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (RMSprop, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (RMSprop, {"momentum": -1.0}, "Invalid momentum value: -1.0"),
    (RMSprop, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (RMSprop, {"alpha": -1.0}, "Invalid alpha value: -1.0"),
    (RMSprop, {"alpha": math.inf}, "alpha must be a finite number"),
    (Adagrad, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (Adagrad, {"lr_decay": -1.0}, "Invalid lr_decay value: -1.0"),
    (Adagrad, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (
        Adagrad,
        {"initial_accumulator_value": -1.0},
        "Invalid initial_accumulator_value value: -1.0",
    ),
    (Adagrad, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
]


@pytest.mark.parametrize(("optimizer_class", "options", "message"), INVALID)
def test_adaptive_rejects_invalid_option(optimizer_class, options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        optimizer_class([Tensor([1.0], requires_grad=True)], **options)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_rejects_invalid_group(optimizer_class):
    optimizer = optimizer_class([Tensor([1.0], requires_grad=True)])
    group = {"params": [Tensor([2.0], requires_grad=True)], "lr": -0.5}

    with pytest.raises(ValueError, match="Invalid learning rate: -0.5"):
        optimizer.add_param_group(group)
    assert len(optimizer.param_groups) == 1


def test_adam_rejects_betas_not_pair():
    with pytest.raises(TypeError, match="betas must be a pair"):
        Adam([Tensor([1.0], requires_grad=True)], betas=(0.9,))


def test_adam_rejects_string_lr():
    with pytest.raises(TypeError, match="lr must be a real number"):
        Adam([Tensor([1.0], requires_grad=True)], lr="0.1")


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_closure_runs_with_grad_enabled(optimizer_class):
    param = Tensor([1.0, -2.0], requires_grad=True)
    optimizer = optimizer_class([param], lr=0.1)
    seen = []

    def closure():
        seen.append(is_grad_enabled())
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)

    assert seen == [True]
    assert float(loss) == 5.0


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW, RMSprop, Adagrad])
def test_adaptive_step_records_no_graph(optimizer_class):
    param = Tensor([1.0, -2.0], requires_grad=True)
    optimizer = optimizer_class([param], lr=0.1)
    (param * param).sum().backward()
    optimizer.step()

    assert param.is_leaf
    assert param.grad_fn is None


@given(
    seed=st.integers(0, 2**32 - 1),
    lr=st.floats(0.0, 1.0),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.0, 0.999),
    weight_decay=st.floats(0.0, 0.5),
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    decoupled=st.booleans(),
)
def test_adam_matches_reference_random_options(
    seed, lr, beta1, beta2, weight_decay, amsgrad, maximize, decoupled
):
    options = {
        "lr": lr,
        "betas": (beta1, beta2),
        "eps": 1e-3,
        "weight_decay": weight_decay,
        "amsgrad": amsgrad,
        "maximize": maximize,
        "decoupled_weight_decay": decoupled,
    }
    start, grads = random_problem(seed)
    history, _, _ = run_optimizer(Adam, start, grads, **options)
    expected = reference_adam(start, grads, **options)

    np.testing.assert_allclose(history[-1], expected[-1], rtol=1e-9, atol=1e-12)


@given(
    seed=st.integers(0, 2**32 - 1),
    lr=st.floats(0.0, 0.1),
    # Below about 0.1 the centered variance v - a * a cancels to a few ulps,
    # so both sides are rounding noise and a tolerance means nothing there.
    alpha=st.floats(0.1, 0.99),
    weight_decay=st.floats(0.0, 0.5),
    momentum=st.sampled_from([0.0, 0.5, 0.9]),
    centered=st.booleans(),
    maximize=st.booleans(),
)
def test_rmsprop_matches_reference_random_options(
    seed, lr, alpha, weight_decay, momentum, centered, maximize
):
    options = {
        "lr": lr,
        "alpha": alpha,
        "eps": 1e-3,
        "weight_decay": weight_decay,
        "momentum": momentum,
        "centered": centered,
        "maximize": maximize,
    }
    start, grads = random_problem(seed)
    history, _, _ = run_optimizer(RMSprop, start, grads, **options)
    expected = reference_rmsprop(start, grads, **options)

    np.testing.assert_allclose(history[-1], expected[-1], rtol=1e-9, atol=1e-12)


@given(
    seed=st.integers(0, 2**32 - 1),
    lr=st.floats(0.0, 1.0),
    lr_decay=st.floats(0.0, 1.0),
    weight_decay=st.floats(0.0, 0.5),
    initial=st.floats(0.0, 2.0),
    maximize=st.booleans(),
)
def test_adagrad_matches_reference_random_options(
    seed, lr, lr_decay, weight_decay, initial, maximize
):
    options = {
        "lr": lr,
        "lr_decay": lr_decay,
        "weight_decay": weight_decay,
        "initial_accumulator_value": initial,
        "eps": 1e-3,
        "maximize": maximize,
    }
    start, grads = random_problem(seed)
    history, _, _ = run_optimizer(Adagrad, start, grads, **options)
    expected = reference_adagrad(start, grads, **options)

    np.testing.assert_allclose(history[-1], expected[-1], rtol=1e-9, atol=1e-12)
