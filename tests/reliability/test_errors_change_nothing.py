"""User mistakes raise a clear error and leave the training state untouched.

Each case below makes one common mistake against a small model that has
already taken two SGD steps with momentum and has fresh gradients. The error
must be of the documented class, its message must name the operation and the
offending shapes, dtypes or values, and it must not come from inside NumPy.
Afterwards the parameters, their gradients and the optimizer's state and
hyperparameters must be bit-for-bit what they were before the call.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.errors import (
    DimError,
    DTypeError,
    GraphError,
    InPlaceError,
    ShapeError,
    StateDictError,
)
from tinygrad_edu.nn import functional as F

NUMPY_DIR = os.path.dirname(np.__file__)


@dataclass
class World:
    """A model during training: two SGD steps taken, then a third backward pass."""

    model: nn.Sequential
    optimizer: optim.SGD
    x: Tensor
    y: Tensor


@pytest.fixture
def world() -> World:
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = Tensor(rng.standard_normal((6, 4)).astype(np.float32))
    y = Tensor(rng.integers(0, 3, size=6))

    for _ in range(2):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    F.cross_entropy(model(x), y).backward()
    return World(model, optimizer, x, y)


@dataclass
class Snapshot:
    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray | None]
    optimizer_state: dict[str, Any]
    param_ids: list[int]


def take_snapshot(world: World) -> Snapshot:
    named = list(world.model.named_parameters())
    return Snapshot(
        params={name: p.detach().numpy().copy() for name, p in named},
        grads={
            name: None if p.grad is None else p.grad.numpy().copy() for name, p in named
        },
        optimizer_state=world.optimizer.state_dict(),
        param_ids=[
            id(p) for group in world.optimizer.param_groups for p in group["params"]
        ],
    )


def assert_unchanged(world: World, before: Snapshot) -> None:
    after = take_snapshot(world)
    assert after.params.keys() == before.params.keys()
    for name, value in before.params.items():
        np.testing.assert_array_equal(after.params[name], value, err_msg=name)
    for name, grad in before.grads.items():
        if grad is None:
            assert after.grads[name] is None, name
        else:
            np.testing.assert_array_equal(after.grads[name], grad, err_msg=name)
    assert after.param_ids == before.param_ids
    assert_state_dicts_equal(after.optimizer_state, before.optimizer_state)


def assert_state_dicts_equal(actual: dict, expected: dict) -> None:
    assert actual["param_groups"] == expected["param_groups"]
    assert actual["state"].keys() == expected["state"].keys()
    for index, state in expected["state"].items():
        assert actual["state"][index].keys() == state.keys()
        for key, value in state.items():
            np.testing.assert_array_equal(
                actual["state"][index][key].numpy(), value.numpy(), err_msg=key
            )


def raising_file(info: pytest.ExceptionInfo) -> str:
    """Return the file of the innermost Python frame that raised the error."""
    traceback = info.tb
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_code.co_filename


# The mistakes -----------------------------------------------------------------------


def inplace_add_wrong_shape(world: World) -> None:
    with tg.no_grad():
        world.model[0].weight.add_(Tensor(np.ones((4, 5), dtype=np.float32)))


def load_state_dict_bad_entries(world: World) -> None:
    state = {key: value + 7 for key, value in world.model.state_dict().items()}
    del state["0.bias"]
    state["2.weight"] = np.zeros((5, 3), dtype=np.float32)
    state["3.weight"] = np.zeros((3, 5), dtype=np.float32)
    world.model.load_state_dict(state)


def optimizer_load_other_groups(world: World) -> None:
    params = list(world.model.parameters())
    other = optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=0.5)
    world.optimizer.load_state_dict(other.state_dict())


def add_group_with_nan_lr(world: World) -> None:
    extra = nn.Parameter(np.ones(2, dtype=np.float32))
    world.optimizer.add_param_group({"params": [extra], "lr": math.nan})


def add_group_with_model_param(world: World) -> None:
    world.optimizer.add_param_group({"params": [world.model[0].weight]})


def backward_through_freed_graph(world: World) -> None:
    # The Add node reaches the leaf bias before the released Affine node
    # raises, so this also checks that no leaf gradient is stored on the way.
    loss = (world.model(world.x) + world.model[2].bias).sum()
    tg.autograd.grad(loss, list(world.model.parameters()))  # releases the graph
    loss.backward()


def backward_after_saved_value_changed(world: World) -> None:
    probabilities = world.model(world.x).exp()
    probabilities.add_(1.0)  # overwrites the output that Exp saved
    probabilities.sum().backward()


CASES = [
    pytest.param(
        lambda w: w.model[0].weight + Tensor(np.ones((4, 5), dtype=np.float32)),
        ShapeError,
        ["add", "(5, 4)", "(4, 5)"],
        id="add_shapes_do_not_broadcast",
    ),
    pytest.param(
        inplace_add_wrong_shape,
        ShapeError,
        ["add_", "(4, 5)", "(5, 4)"],
        id="inplace_add_shapes_do_not_broadcast",
    ),
    pytest.param(
        lambda w: w.x @ w.model[0].weight,
        ShapeError,
        ["matmul", "(6, 4)", "(5, 4)"],
        id="matmul_inner_sizes_differ",
    ),
    pytest.param(
        lambda w: w.model[0].weight.reshape(3, 7),
        ShapeError,
        ["reshape", "(5, 4)", "(3, 7)"],
        id="reshape_to_wrong_size",
    ),
    pytest.param(
        lambda w: w.model(w.x).softmax(dim=2),
        DimError,
        ["softmax", "dimension 2", "2 dimensions"],
        id="softmax_dim_out_of_range",
    ),
    pytest.param(
        lambda w: w.model[0].weight.sum(dim=-3),
        DimError,
        ["sum", "dimension -3", "2 dimensions"],
        id="sum_dim_out_of_range",
    ),
    pytest.param(
        lambda w: w.model[0].weight[5],
        IndexError,
        ["indexing", "(5, 4)", "index 5"],
        id="index_int_out_of_range",
    ),
    pytest.param(
        lambda w: w.model[0].weight[0, -5],
        IndexError,
        ["indexing", "(5, 4)", "index -5"],
        id="index_negative_out_of_range",
    ),
    pytest.param(
        lambda w: w.model[0].weight[Tensor([0, 9])],
        IndexError,
        ["indexing", "(5, 4)", "index 9"],
        id="index_array_out_of_range",
    ),
    pytest.param(
        lambda w: w.model[0].weight.gather(1, Tensor([[0], [1], [4], [0], [1]])),
        ShapeError,
        ["gather", "index 4", "dimension 1 of size 4", "(5, 4)"],
        id="gather_index_out_of_range",
    ),
    pytest.param(
        lambda w: w.model[0].weight.gather(1, Tensor([[0], [1], [-1], [0], [1]])),
        ShapeError,
        ["gather", "index -1", "[0, 3]"],
        id="gather_negative_index",
    ),
    pytest.param(
        lambda w: F.cross_entropy(w.model(w.x), Tensor([0, 1, 2, 3, 0, 1])),
        IndexError,
        ["cross_entropy", "target 3", "3 classes"],
        id="cross_entropy_target_too_high",
    ),
    pytest.param(
        lambda w: F.cross_entropy(w.model(w.x), Tensor([0, 1, 2, -1, 0, 1])),
        IndexError,
        ["cross_entropy", "target -1", "3 classes"],
        id="cross_entropy_target_negative",
    ),
    pytest.param(
        lambda w: F.cross_entropy(w.model(w.x), w.y.float()),
        DTypeError,
        ["cross_entropy", "float32", ".long()"],
        id="cross_entropy_float_target",
    ),
    pytest.param(
        lambda w: w.model(Tensor(np.zeros((6, 7), dtype=np.float32))),
        ShapeError,
        [
            "Sequential layer (0)",
            "Linear(in_features=4, out_features=5, bias=True)",
            "(*, 4)",
            "(6, 7)",
        ],
        id="sequential_wrong_feature_count",
    ),
    pytest.param(
        lambda w: w.model[2](w.x),
        ShapeError,
        ["Linear(in_features=5, out_features=3, bias=True)", "(*, 5)", "(6, 4)"],
        id="linear_wrong_feature_count",
    ),
    pytest.param(
        lambda w: Tensor([[1.0, 2.0], [3.0]]),
        ValueError,
        ["tensor", "same length"],
        id="tensor_from_ragged_list",
    ),
    pytest.param(
        lambda w: Tensor(["0.5", "1.5"]),
        DTypeError,
        ["tensor", "<U3"],
        id="tensor_from_strings",
    ),
    pytest.param(
        lambda w: Tensor(np.array([1.0, None], dtype=object)),
        DTypeError,
        ["tensor", "dtype object"],
        id="tensor_from_object_array",
    ),
    pytest.param(
        lambda w: optim.SGD(w.model.parameters(), lr=math.nan),
        ValueError,
        ["SGD", "lr", "nan"],
        id="sgd_nan_lr",
    ),
    pytest.param(
        lambda w: optim.SGD(w.model.parameters(), lr=0.1, momentum=math.inf),
        ValueError,
        ["SGD", "momentum", "inf"],
        id="sgd_infinite_momentum",
    ),
    pytest.param(
        lambda w: optim.SGD(w.model.parameters(), lr="0.1"),
        TypeError,
        ["SGD", "lr", "str"],
        id="sgd_lr_string",
    ),
    pytest.param(
        add_group_with_nan_lr,
        ValueError,
        ["SGD", "lr", "nan"],
        id="param_group_nan_lr",
    ),
    pytest.param(
        lambda w: optim.SGD([], lr=0.1),
        ValueError,
        ["empty parameter list"],
        id="sgd_empty_params",
    ),
    pytest.param(
        add_group_with_model_param,
        ValueError,
        ["more than one parameter group", "(5, 4)", "group 0"],
        id="param_in_two_groups",
    ),
    pytest.param(
        lambda w: optim.SGD([np.ones(3, dtype=np.float32)], lr=0.1),
        TypeError,
        ["Tensors", "params[0]", "ndarray"],
        id="sgd_params_not_tensors",
    ),
    pytest.param(
        load_state_dict_bad_entries,
        StateDictError,
        ["'0.bias'", "'3.weight'", "'2.weight'", "(5, 3)", "(3, 5)"],
        id="load_state_dict_keys_and_shapes",
    ),
    pytest.param(
        optimizer_load_other_groups,
        ValueError,
        ["parameter groups", "it has 2", "the optimizer has 1"],
        id="optimizer_load_state_dict_groups",
    ),
    pytest.param(
        backward_through_freed_graph,
        GraphError,
        ["second time", "retain_graph=True"],
        id="backward_through_freed_graph",
    ),
    pytest.param(
        backward_after_saved_value_changed,
        InPlaceError,
        ["ExpBackward", "changed in place", "version"],
        id="backward_after_inplace_change",
    ),
    pytest.param(
        lambda w: w.model(w.x).backward(),
        GraphError,
        ["backward", "(6, 3)", "gradient="],
        id="backward_of_non_scalar",
    ),
]


@pytest.mark.parametrize(("mistake", "error", "fragments"), CASES)
def test_mistake_raises_clear_error(world, mistake, error, fragments):
    with pytest.raises(error) as info:
        mistake(world)

    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    assert not raising_file(info).startswith(NUMPY_DIR)


@pytest.mark.parametrize(("mistake", "error", "fragments"), CASES)
def test_mistake_changes_nothing(world, mistake, error, fragments):
    before = take_snapshot(world)

    with pytest.raises(error):
        mistake(world)

    assert_unchanged(world, before)


def test_load_state_dict_lists_every_problem(world):
    with pytest.raises(StateDictError) as info:
        load_state_dict_bad_entries(world)

    lines = str(info.value).splitlines()
    assert len(lines) == 4
    assert "Missing key(s)" in lines[1]
    assert "Unexpected key(s)" in lines[2]
    assert "size mismatch for '2.weight'" in lines[3]


def test_fixture_has_grads_and_momentum(world):
    # The checks above would pass vacuously on a model without gradients or
    # momentum, so make sure the fixture has both.
    before = take_snapshot(world)
    assert all(grad is not None for grad in before.grads.values())
    assert len(before.optimizer_state["state"]) == 4


def test_sequential_error_names_nested_layer():
    inner = nn.Sequential(nn.Linear(4, 3), nn.Linear(4, 2))
    model = nn.Sequential(nn.Linear(4, 4), nn.Sigmoid(), inner)

    with pytest.raises(ShapeError) as info:
        model(Tensor(np.zeros((2, 4), dtype=np.float32)))

    message = str(info.value)
    assert message.startswith("Sequential layer (2): Sequential layer (1): Linear(")
    assert "in_features=4, out_features=2" in message
    assert "got shape (2, 3)" in message


def test_repeated_param_in_group_warns(world):
    # PyTorch 2.13 warns here rather than raising, and so does SGD. A
    # parameter repeated across groups raises (see param_in_two_groups).
    weight = world.model[0].weight

    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([weight, weight], lr=0.1)
