"""A random mix of training calls, valid and invalid, checked against NumPy.

Hypothesis drives a float64 model (3-4-2 with a sigmoid) and SGD with momentum
through forward passes, backward passes, optimizer steps, ``zero_grad`` and
common mistakes, in random order. A NumPy copy of the parameters, gradients
and momentum buffers follows each valid call. After every call the model's
forward output, parameters, gradients and momentum buffers must match the
NumPy copy, and each mistake must raise its documented error and change
nothing at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.errors import DTypeError, GraphError, ShapeError, StateDictError
from tinygrad_edu.nn import functional as F

LR = 0.1
MOMENTUM = 0.9
FEATURES = 3
CLASSES = 2
PROBE = np.linspace(-2.0, 2.0, num=4 * FEATURES).reshape(4, FEATURES)
TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}


@st.composite
def batches(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows = draw(st.integers(1, 4))
    x = draw(hnp.arrays(np.float64, (rows, FEATURES), elements=st.floats(-3.0, 3.0)))
    y = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, CLASSES - 1)))
    return x, y


# NumPy reference -------------------------------------------------------------------


def numpy_forward(params: list[np.ndarray], x: np.ndarray):
    """Return the hidden activations and the logits of the 3-4-2 network."""
    w1, b1, w2, b2 = params
    hidden = 1 / (1 + np.exp(-(x @ w1.T + b1)))
    return hidden, hidden @ w2.T + b2


def numpy_loss_and_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    """Return the mean cross-entropy and its gradient for each parameter."""
    hidden, logits = numpy_forward(params, x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_probs[rows, y].mean()

    grad_logits = (np.exp(log_probs) - np.eye(CLASSES)[y]) / len(y)
    grad_hidden = grad_logits @ params[2] * hidden * (1 - hidden)
    grads = [
        grad_hidden.T @ x,
        grad_hidden.sum(axis=0),
        grad_logits.T @ hidden,
        grad_logits.sum(axis=0),
    ]
    return loss, grads


# Mistakes ------------------------------------------------------------------------


def wrong_feature_count(machine: TrainingMachine) -> None:
    machine.model(Tensor(np.zeros((2, FEATURES + 1))))


def float32_input(machine: TrainingMachine) -> None:
    machine.model(Tensor(np.zeros((2, FEATURES), dtype=np.float32)))


def target_out_of_range(machine: TrainingMachine) -> None:
    F.cross_entropy(machine.model(Tensor(PROBE)), Tensor([0, 1, CLASSES, 0]))


def float_target(machine: TrainingMachine) -> None:
    F.cross_entropy(machine.model(Tensor(PROBE)), Tensor([0.0, 1.0, 0.0, 1.0]))


def target_wrong_length(machine: TrainingMachine) -> None:
    F.cross_entropy(machine.model(Tensor(PROBE)), Tensor([0, 1]))


def add_wrong_shape(machine: TrainingMachine) -> None:
    machine.model[0].weight + Tensor(np.ones((FEATURES, 4)))


def reshape_wrong_size(machine: TrainingMachine) -> None:
    machine.model[2].weight.reshape(3, 3)


def index_out_of_range(machine: TrainingMachine) -> None:
    machine.model[2].bias[CLASSES]


def param_group_nan_lr(machine: TrainingMachine) -> None:
    extra = nn.Parameter(np.ones(2))
    machine.optimizer.add_param_group({"params": [extra], "lr": math.nan})


def load_wrong_shapes(machine: TrainingMachine) -> None:
    # New values for the valid keys, so that a partial load would show.
    state = {key: value + 1 for key, value in machine.model.state_dict().items()}
    state["2.weight"] = np.zeros((4, CLASSES))
    machine.model.load_state_dict(state)


def load_other_optimizer(machine: TrainingMachine) -> None:
    params = list(machine.model.parameters())
    other = optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=LR)
    machine.optimizer.load_state_dict(other.state_dict())


MISTAKES: list[tuple[Callable[[Any], None], type[Exception]]] = [
    (wrong_feature_count, ShapeError),
    (float32_input, DTypeError),
    (target_out_of_range, IndexError),
    (float_target, DTypeError),
    (target_wrong_length, ShapeError),
    (add_wrong_shape, ShapeError),
    (reshape_wrong_size, ShapeError),
    (index_out_of_range, IndexError),
    (param_group_nan_lr, ValueError),
    (load_wrong_shapes, StateDictError),
    (load_other_optimizer, ValueError),
]


# The state machine -----------------------------------------------------------------


class TrainingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        tg.manual_seed(0)
        self.model = nn.Sequential(
            nn.Linear(FEATURES, 4, dtype="float64"),
            nn.Sigmoid(),
            nn.Linear(4, CLASSES, dtype="float64"),
        )
        self.optimizer = optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)
        self.params = [p.detach().numpy().copy() for p in self.model.parameters()]
        self.grads: list[np.ndarray | None] = [None] * 4
        self.buffers: list[np.ndarray | None] = [None] * 4
        self.released_loss: Tensor | None = None

    @rule(batch=batches())
    def forward(self, batch):
        x, _ = batch
        out = self.model(Tensor(x)).detach().numpy()
        np.testing.assert_allclose(out, numpy_forward(self.params, x)[1], **TOLERANCE)

    @rule(batch=batches())
    def backward(self, batch):
        x, y = batch
        loss = F.cross_entropy(self.model(Tensor(x)), Tensor(y))
        expected_loss, grads = numpy_loss_and_grads(self.params, x, y)
        np.testing.assert_allclose(loss.item(), expected_loss, **TOLERANCE)

        loss.backward()
        self.released_loss = loss
        for index, grad in enumerate(grads):
            previous = self.grads[index]
            self.grads[index] = grad if previous is None else previous + grad

    @rule()
    def step(self):
        self.optimizer.step()
        for index, grad in enumerate(self.grads):
            if grad is None:
                continue
            buffer = self.buffers[index]
            buffer = grad.copy() if buffer is None else MOMENTUM * buffer + grad
            self.buffers[index] = buffer
            self.params[index] = self.params[index] - LR * buffer

    @rule()
    def zero_grad(self):
        self.optimizer.zero_grad()
        self.grads = [None] * 4

    @rule(mistake=st.sampled_from(MISTAKES))
    def make_mistake(self, mistake):
        action, error = mistake
        before = self.snapshot()
        with pytest.raises(error):
            action(self)
        self.assert_unchanged(before)

    @precondition(lambda self: self.released_loss is not None)
    @rule()
    def backward_through_released_graph(self):
        before = self.snapshot()
        with pytest.raises(GraphError):
            self.released_loss.backward()
        self.assert_unchanged(before)

    @invariant()
    def forward_matches_numpy(self):
        out = self.model(Tensor(PROBE)).detach().numpy()
        expected = numpy_forward(self.params, PROBE)[1]
        np.testing.assert_allclose(out, expected, **TOLERANCE)

    @invariant()
    def state_matches_numpy(self):
        params = list(self.model.parameters())
        for param, expected in zip(params, self.params, strict=True):
            np.testing.assert_allclose(param.detach().numpy(), expected, **TOLERANCE)
        for param, expected in zip(params, self.grads, strict=True):
            assert (param.grad is None) == (expected is None)
            if expected is not None:
                np.testing.assert_allclose(param.grad.numpy(), expected, **TOLERANCE)
        for param, expected in zip(params, self.buffers, strict=True):
            buffer = self.optimizer.state.get(param, {}).get("momentum_buffer")
            assert (buffer is None) == (expected is None)
            if expected is not None:
                np.testing.assert_allclose(buffer.numpy(), expected, **TOLERANCE)

    def snapshot(self) -> dict[str, Any]:
        params = list(self.model.parameters())
        return {
            "params": [p.detach().numpy().copy() for p in params],
            "grads": [
                None if p.grad is None else p.grad.numpy().copy() for p in params
            ],
            "optimizer": self.optimizer.state_dict(),
        }

    def assert_unchanged(self, before: dict[str, Any]) -> None:
        after = self.snapshot()
        for new, old in zip(after["params"], before["params"], strict=True):
            np.testing.assert_array_equal(new, old)
        for new, old in zip(after["grads"], before["grads"], strict=True):
            assert (new is None) == (old is None)
            if old is not None:
                np.testing.assert_array_equal(new, old)
        new_state, old_state = after["optimizer"], before["optimizer"]
        assert new_state["param_groups"] == old_state["param_groups"]
        assert new_state["state"].keys() == old_state["state"].keys()
        for index, state in old_state["state"].items():
            np.testing.assert_array_equal(
                new_state["state"][index]["momentum_buffer"].numpy(),
                state["momentum_buffer"].numpy(),
            )


TestTraining = TrainingMachine.TestCase
TestTraining.settings = settings(
    settings.default, max_examples=20, stateful_step_count=15
)
