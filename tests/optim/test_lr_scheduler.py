import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.optim import SGD, Optimizer, lr_scheduler
from tinygrad_edu.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LRScheduler,
    OneCycleLR,
    StepLR,
)
from tinygrad_edu.tensor import Tensor

BASE_LRS = (0.1, 0.25)
STEPS = 60


def make_optimizer(momentum=0.9):
    groups = [
        {"params": [Tensor([1.0, 2.0], requires_grad=True)], "lr": lr}
        for lr in BASE_LRS
    ]
    return SGD(groups, lr=0.5, momentum=momentum)


def run_schedule(scheduler, steps=STEPS):
    """Return get_last_lr() after construction and after each of ``steps`` steps."""
    history = [scheduler.get_last_lr()]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        history.append(scheduler.get_last_lr())
    return history


def expected_schedule(formula, steps=STEPS):
    """Return ``formula(base_lr, t)`` for each step t and each group's base rate."""
    return [[formula(base_lr, t) for base_lr in BASE_LRS] for t in range(steps + 1)]


def assert_schedules_close(actual, expected):
    assert len(actual) == len(expected)
    for t, (got, want) in enumerate(zip(actual, expected, strict=True)):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), f"step {t}"


def one_cycle_reference(max_lr, total, pct, div, final_div, three_phase, anneal):
    """Return OneCycleLR's rate at each step, from the phase formulas."""
    start = max_lr / div
    end = start / final_div
    if three_phase:
        phases = [
            (pct * total - 1, start, max_lr),
            (2 * pct * total - 2, max_lr, start),
            (total - 1, start, end),
        ]
    else:
        phases = [(pct * total - 1, start, max_lr), (total - 1, max_lr, end)]

    rates = []
    for t in range(total):
        previous_end = 0.0
        for index, (phase_end, _, _) in enumerate(phases):
            if t <= phase_end or index == len(phases) - 1:
                break
            previous_end = phase_end
        _, a, b = phases[index]
        f = (t - previous_end) / (phase_end - previous_end)
        if anneal == "cos":
            rates.append(b + (a - b) * (1 + math.cos(math.pi * f)) / 2)
        else:
            rates.append(a + (b - a) * f)
    return rates


def test_scheduler_sets_initial_lr():
    optimizer = make_optimizer()
    StepLR(optimizer, step_size=3)
    assert [group["initial_lr"] for group in optimizer.param_groups] == list(BASE_LRS)


def test_scheduler_starts_at_epoch_zero():
    scheduler = ExponentialLR(make_optimizer(), gamma=0.5)
    assert scheduler.last_epoch == 0
    assert scheduler.base_lrs == list(BASE_LRS)
    assert scheduler.get_last_lr() == list(BASE_LRS)


def test_scheduler_writes_group_lr():
    scheduler = ExponentialLR(make_optimizer(), gamma=0.5)
    scheduler.step()
    lrs = [group["lr"] for group in scheduler.optimizer.param_groups]
    assert lrs == scheduler.get_last_lr()
    assert lrs == pytest.approx([0.05, 0.125])


def test_get_last_lr_returns_copy():
    scheduler = ExponentialLR(make_optimizer(), gamma=0.5)
    scheduler.get_last_lr().append(1.0)
    assert len(scheduler.get_last_lr()) == len(BASE_LRS)


def test_steplr_closed_form():
    scheduler = StepLR(make_optimizer(), step_size=7, gamma=0.3)
    expected = expected_schedule(lambda lr, t: lr * 0.3 ** (t // 7))
    assert_schedules_close(run_schedule(scheduler), expected)


@given(step_size=st.integers(1, 10), gamma=st.floats(0.05, 1.5))
def test_steplr_closed_form_random(step_size, gamma):
    scheduler = StepLR(make_optimizer(), step_size=step_size, gamma=gamma)
    expected = expected_schedule(lambda lr, t: lr * gamma ** (t // step_size), 30)
    assert_schedules_close(run_schedule(scheduler, 30), expected)


def test_steplr_default_gamma():
    scheduler = StepLR(make_optimizer(), step_size=2)
    expected = expected_schedule(lambda lr, t: lr * 0.1 ** (t // 2), 8)
    assert_schedules_close(run_schedule(scheduler, 8), expected)


def test_exponentiallr_closed_form():
    scheduler = ExponentialLR(make_optimizer(), gamma=0.93)
    expected = expected_schedule(lambda lr, t: lr * 0.93**t)
    assert_schedules_close(run_schedule(scheduler), expected)


@given(gamma=st.floats(0.05, 1.2))
def test_exponentiallr_closed_form_random(gamma):
    scheduler = ExponentialLR(make_optimizer(), gamma=gamma)
    expected = expected_schedule(lambda lr, t: lr * gamma**t, 30)
    assert_schedules_close(run_schedule(scheduler, 30), expected)


@pytest.mark.parametrize(("t_max", "eta_min"), [(10, 0.0), (7, 0.01), (1, 0.0)])
def test_cosine_closed_form(t_max, eta_min):
    # 60 steps cover several periods, including the rise after each T_max.
    scheduler = CosineAnnealingLR(make_optimizer(), T_max=t_max, eta_min=eta_min)

    def formula(lr, t):
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / t_max)) / 2

    assert_schedules_close(run_schedule(scheduler), expected_schedule(formula))


def test_cosine_reaches_eta_min():
    scheduler = CosineAnnealingLR(make_optimizer(), T_max=5, eta_min=0.02)
    history = run_schedule(scheduler, 5)
    assert history[-1] == pytest.approx([0.02, 0.02], rel=1e-12)


def test_lambdalr_one_function():
    scheduler = LambdaLR(make_optimizer(), lambda t: 0.95**t + 0.1 * (t % 3))
    expected = expected_schedule(lambda lr, t: lr * (0.95**t + 0.1 * (t % 3)))
    assert_schedules_close(run_schedule(scheduler), expected)


def test_lambdalr_function_per_group():
    functions = [lambda t: 1 / (t + 1), lambda t: min(1.0, (t + 1) / 10)]
    scheduler = LambdaLR(make_optimizer(), functions)
    expected = [
        [BASE_LRS[0] / (t + 1), BASE_LRS[1] * min(1.0, (t + 1) / 10)]
        for t in range(STEPS + 1)
    ]
    assert_schedules_close(run_schedule(scheduler), expected)


def test_lambdalr_accepts_tuple():
    scheduler = LambdaLR(make_optimizer(), (lambda t: 2.0, lambda t: 3.0))
    assert scheduler.get_last_lr() == pytest.approx([0.2, 0.75])


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize(("total", "pct"), [(50, 0.3), (41, 0.25), (7, 0.5)])
def test_onecycle_closed_form(anneal, three_phase, total, pct):
    scheduler = OneCycleLR(
        make_optimizer(),
        max_lr=[1.0, 2.0],
        total_steps=total,
        pct_start=pct,
        anneal_strategy=anneal,
        three_phase=three_phase,
        div_factor=20.0,
        final_div_factor=100.0,
    )
    history = run_schedule(scheduler, total - 1)

    for index, max_lr in enumerate([1.0, 2.0]):
        expected = one_cycle_reference(
            max_lr, total, pct, 20.0, 100.0, three_phase, anneal
        )
        actual = [lrs[index] for lrs in history]
        assert actual == pytest.approx(expected, rel=1e-12), f"group {index}"


def test_onecycle_defaults():
    scheduler = OneCycleLR(make_optimizer(), max_lr=1.0, total_steps=100)
    history = [lrs[0] for lrs in run_schedule(scheduler, 99)]
    expected = one_cycle_reference(1.0, 100, 0.3, 25.0, 1e4, False, "cos")
    assert history == pytest.approx(expected, rel=1e-12)


def test_onecycle_peak_and_ends():
    scheduler = OneCycleLR(make_optimizer(), max_lr=1.0, total_steps=100)
    history = [lrs[0] for lrs in run_schedule(scheduler, 99)]
    assert history[0] == pytest.approx(1.0 / 25)
    assert history[29] == pytest.approx(1.0)
    assert history[-1] == pytest.approx(1.0 / 25 / 1e4)


def test_onecycle_epochs_give_total_steps():
    scheduler = OneCycleLR(make_optimizer(), 1.0, epochs=3, steps_per_epoch=7)
    assert scheduler.total_steps == 21


def test_onecycle_sets_group_keys():
    optimizer = make_optimizer()
    OneCycleLR(optimizer, max_lr=[1.0, 2.0], total_steps=10, final_div_factor=10.0)
    group = optimizer.param_groups[1]
    assert group["max_lr"] == 2.0
    assert group["initial_lr"] == pytest.approx(2.0 / 25)
    assert group["min_lr"] == pytest.approx(2.0 / 25 / 10)
    assert group["max_momentum"] == 0.95
    assert group["base_momentum"] == 0.85


def test_onecycle_cycles_momentum():
    optimizer = make_optimizer()
    scheduler = OneCycleLR(
        optimizer, max_lr=1.0, total_steps=30, base_momentum=0.8, max_momentum=0.9
    )
    momentums = [optimizer.param_groups[0]["momentum"]]
    for _ in range(29):
        optimizer.step()
        scheduler.step()
        momentums.append(optimizer.param_groups[0]["momentum"])

    # Momentum follows the learning-rate formula with its ends swapped.
    rates = one_cycle_reference(1.0, 30, 0.3, 25.0, 1e4, False, "cos")
    low, high = 1.0 / 25, 1.0
    final = low / 1e4
    for t, (momentum, rate) in enumerate(zip(momentums, rates, strict=True)):
        if t <= 8:
            fraction = (rate - low) / (high - low)
        else:
            fraction = (rate - final) / (high - final)
        assert momentum == pytest.approx(0.9 - 0.1 * fraction, rel=1e-9), f"step {t}"


def test_onecycle_without_momentum_cycling():
    optimizer = make_optimizer(momentum=0.5)
    scheduler = OneCycleLR(optimizer, 1.0, total_steps=10, cycle_momentum=False)
    run_schedule(scheduler, 9)
    assert optimizer.param_groups[0]["momentum"] == 0.5
    assert "max_momentum" not in optimizer.param_groups[0]


def test_onecycle_step_past_total_raises():
    scheduler = OneCycleLR(make_optimizer(), 1.0, total_steps=5)
    run_schedule(scheduler, 5)
    with pytest.raises(ValueError, match="Tried to step 6 times"):
        scheduler.step()


def snapshot(scheduler):
    return scheduler.state_dict(), scheduler.optimizer.state_dict()


SCHEDULES = {
    "step": lambda opt, last: StepLR(opt, 4, 0.5, last_epoch=last),
    "exponential": lambda opt, last: ExponentialLR(opt, 0.9, last_epoch=last),
    "cosine": lambda opt, last: CosineAnnealingLR(opt, 6, 0.01, last_epoch=last),
    "lambda": lambda opt, last: LambdaLR(opt, lambda t: 0.9**t, last_epoch=last),
    "onecycle": lambda opt, last: OneCycleLR(opt, 1.0, 40, last_epoch=last),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_state_dict_round_trip(name):
    make = SCHEDULES[name]
    scheduler = make(make_optimizer(), -1)
    run_schedule(scheduler, 10)
    scheduler_state, optimizer_state = snapshot(scheduler)
    expected = run_schedule(scheduler, 15)

    optimizer = make_optimizer()
    restored = make(optimizer, -1)
    optimizer.load_state_dict(optimizer_state)
    restored.load_state_dict(scheduler_state)
    assert restored.last_epoch == 10
    assert_schedules_close(run_schedule(restored, 15), expected)


def test_state_dict_excludes_optimizer():
    state = StepLR(make_optimizer(), step_size=3).state_dict()
    assert "optimizer" not in state
    assert state["last_epoch"] == 0
    assert state["base_lrs"] == list(BASE_LRS)


def test_state_dict_is_a_copy():
    scheduler = ExponentialLR(make_optimizer(), gamma=0.5)
    state = scheduler.state_dict()
    scheduler.step()
    assert state["last_epoch"] == 0
    assert state["_last_lr"] == list(BASE_LRS)


def test_load_state_dict_rejects_non_dict():
    scheduler = StepLR(make_optimizer(), step_size=3)
    with pytest.raises(TypeError, match="state_dict must be a dict"):
        scheduler.load_state_dict([1, 2])


class Warmup:
    """A callable object whose attributes LambdaLR's state dict keeps."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, t):
        return min(1.0, (t + 1) / self.steps)


def test_lambdalr_state_dict_functions():
    scheduler = LambdaLR(make_optimizer(), [lambda t: 1.0, Warmup(5)])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"steps": 5}]


def test_lambdalr_load_state_dict_restores_object():
    warmup = Warmup(5)
    state = LambdaLR(make_optimizer(), [lambda t: 1.0, Warmup(8)]).state_dict()
    restored = LambdaLR(make_optimizer(), [lambda t: 1.0, warmup])
    restored.load_state_dict(state)
    assert warmup.steps == 8
    assert "lr_lambdas" in state


def test_resume_with_last_epoch():
    optimizer = make_optimizer()
    scheduler = ExponentialLR(optimizer, gamma=0.8)
    run_schedule(scheduler, 5)
    resumed = ExponentialLR(optimizer, gamma=0.8, last_epoch=scheduler.last_epoch)
    assert resumed.last_epoch == 6
    assert resumed.base_lrs == list(BASE_LRS)


def test_cosine_resume_continues_from_lr():
    optimizer = make_optimizer()
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    scheduler = CosineAnnealingLR(optimizer, T_max=10, last_epoch=3)
    scheduler.step()
    # Resuming keeps the recursion: step 5 scales the current lr as if it
    # were the rate of step 4 (PyTorch 2.13 does the same).
    ratio = (1 + math.cos(math.pi * 5 / 10)) / (1 + math.cos(math.pi * 4 / 10))
    expected = [lr * ratio for lr in BASE_LRS]
    assert scheduler.get_last_lr() == pytest.approx(expected, rel=1e-12)


def test_scheduler_rejects_non_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        StepLR([Tensor([1.0])], step_size=2)


def test_resume_without_initial_lr_raises():
    with pytest.raises(KeyError, match=r"'initial_lr' is not specified in param_gro"):
        StepLR(make_optimizer(), step_size=2, last_epoch=3)


def test_base_get_lr_is_abstract():
    with pytest.raises(NotImplementedError, match="must implement get_lr"):
        LRScheduler(make_optimizer())


@pytest.mark.parametrize("step_size", [0, -2, 1.5])
def test_steplr_rejects_bad_step_size(step_size):
    with pytest.raises(ValueError, match="Expected positive integer step_size"):
        StepLR(make_optimizer(), step_size=step_size)


def test_cosine_rejects_zero_t_max():
    with pytest.raises(ValueError, match="Expected positive integer T_max"):
        CosineAnnealingLR(make_optimizer(), T_max=0)


def test_lambdalr_rejects_wrong_count():
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        LambdaLR(make_optimizer(), [lambda t: 1.0] * 3)


def test_lambdalr_rejects_non_callable():
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got"):
        LambdaLR(make_optimizer(), 0.5)


ONE_CYCLE_ERRORS = [
    ({"total_steps": 0}, "Expected positive integer total_steps, but got 0"),
    ({"total_steps": 2.5}, "Expected positive integer total_steps"),
    ({}, r"You must define either total_steps OR \(epochs AND steps_per_epoch\)"),
    ({"epochs": 3}, "You must define either total_steps"),
    ({"epochs": 0, "steps_per_epoch": 3}, "Expected positive integer epochs"),
    ({"epochs": 2, "steps_per_epoch": -1}, "Expected positive integer steps_per"),
    ({"total_steps": 10, "pct_start": 1.5}, "Expected float between 0 and 1"),
    ({"total_steps": 10, "pct_start": 1}, "Expected float between 0 and 1"),
    ({"total_steps": 10, "anneal_strategy": "exp"}, "anneal_strategy must be one"),
    ({"total_steps": 10, "max_lr": [1.0]}, "max_lr must have the same length"),
    ({"total_steps": 10, "max_momentum": [0.9] * 3}, "max_momentum must have the"),
    ({"total_steps": 10, "base_momentum": [0.8]}, "base_momentum must have the"),
]


@pytest.mark.parametrize(("kwargs", "message"), ONE_CYCLE_ERRORS)
def test_onecycle_rejects_bad_arguments(kwargs, message):
    kwargs = {"max_lr": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        OneCycleLR(make_optimizer(), **kwargs)


class NoMomentum(Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})


def test_onecycle_needs_momentum_to_cycle():
    optimizer = NoMomentum([Tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        OneCycleLR(optimizer, max_lr=1.0, total_steps=10)


def test_onecycle_cycles_beta1():
    class WithBetas(Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1, "betas": (0.9, 0.999)})

        def step(self, closure=None):
            return None

    optimizer = WithBetas([Tensor([1.0], requires_grad=True)])
    OneCycleLR(optimizer, max_lr=1.0, total_steps=10, max_momentum=0.93)
    assert optimizer.param_groups[0]["betas"] == (0.93, 0.999)


def test_module_is_exported():
    assert lr_scheduler.StepLR is StepLR
