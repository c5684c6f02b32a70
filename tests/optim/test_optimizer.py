import numpy as np
import pytest

from tinygrad_edu.optim import SGD, Optimizer
from tinygrad_edu.tensor import Tensor


def make_param(values=(1.0, 2.0), dtype=np.float32):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def set_grads(params, seed):
    rng = np.random.default_rng(seed)
    for param in params:
        param.grad = Tensor(rng.standard_normal(param.shape).astype(param.dtype))


def param_values(params):
    return [param.detach().numpy().copy() for param in params]


def assert_state_dicts_equal(actual, expected):
    """Assert two state dicts have the same layout, hyperparameters and state."""
    assert actual["param_groups"] == expected["param_groups"]
    assert actual["state"].keys() == expected["state"].keys()
    for index, state in expected["state"].items():
        assert actual["state"][index].keys() == state.keys()
        for key, value in state.items():
            if isinstance(value, Tensor):
                np.testing.assert_array_equal(
                    actual["state"][index][key].numpy(), value.numpy()
                )
            else:
                assert actual["state"][index][key] == value


def trained_sgd(seed=0, **options):
    """Return two parameter groups and an SGD that has taken two steps."""
    params = [make_param((1.0, 2.0)), make_param((3.0,)), make_param((4.0, 5.0))]
    optimizer = SGD(
        [{"params": params[:2]}, {"params": params[2:], "lr": 0.5}],
        lr=0.1,
        momentum=0.9,
        **options,
    )
    for step in range(2):
        set_grads(params, seed + step)
        optimizer.step()
    return params, optimizer


# Construction ------------------------------------------------------------------


def test_optimizer_rejects_empty_list():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)


def test_optimizer_rejects_single_tensor():
    with pytest.raises(TypeError, match="iterable of Tensors or of dicts"):
        SGD(make_param(), lr=0.1)


def test_optimizer_rejects_non_tensor():
    with pytest.raises(TypeError, match=r"params\[1\] is float"):
        SGD([make_param(), 1.0], lr=0.1)


def test_optimizer_rejects_non_leaf():
    leaf = make_param()
    with pytest.raises(ValueError, match="non-leaf Tensor: params\\[0\\]"):
        SGD([leaf * 2], lr=0.1)


def test_optimizer_accepts_tensor_without_grad():
    frozen = Tensor([1.0, 2.0])
    optimizer = SGD([frozen], lr=0.1)

    assert optimizer.param_groups[0]["params"][0] is frozen


def test_optimizer_rejects_set():
    with pytest.raises(TypeError, match="ordered collection"):
        SGD([{"params": {make_param()}}], lr=0.1)


def test_optimizer_rejects_param_in_two_groups():
    shared = make_param()
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [shared]}, {"params": [make_param(), shared]}], lr=0.1)


def test_optimizer_warns_duplicate_in_group():
    param = make_param()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        SGD([param, param], lr=0.1)


def test_optimizer_rejects_tensor_after_group():
    with pytest.raises(TypeError, match="param_group must be a dict"):
        SGD([{"params": [make_param()]}, make_param()], lr=0.1)


def test_optimizer_rejects_group_after_tensor():
    with pytest.raises(TypeError, match="params\\[1\\] is dict"):
        SGD([make_param(), {"params": [make_param()]}], lr=0.1)


def test_optimizer_accepts_generator():
    params = [make_param(), make_param()]
    optimizer = SGD((param for param in params), lr=0.1)

    assert len(optimizer.param_groups) == 1
    assert optimizer.param_groups[0]["params"] == params


def test_optimizer_group_defaults_and_overrides():
    first, second = make_param(), make_param()
    optimizer = SGD(
        [{"params": [first]}, {"params": second, "lr": 0.5, "momentum": 0.9}],
        lr=0.1,
    )
    first_group, second_group = optimizer.param_groups

    assert first_group["lr"] == 0.1
    assert first_group["momentum"] == 0
    assert second_group["lr"] == 0.5
    assert second_group["momentum"] == 0.9
    assert second_group["params"] == [second]
    assert set(first_group) == set(optimizer.defaults) | {"params"}


def test_optimizer_state_starts_empty():
    optimizer = SGD([make_param()], lr=0.1)

    assert len(optimizer.state) == 0


def test_optimizer_repr_lists_groups():
    optimizer = SGD(
        [{"params": [make_param()]}, {"params": [make_param()], "lr": 0.5}],
        lr=0.1,
        momentum=0.9,
    )
    expected = "\n".join(
        [
            "SGD (",
            "Parameter Group 0",
            "    dampening: 0",
            "    lr: 0.1",
            "    maximize: False",
            "    momentum: 0.9",
            "    nesterov: False",
            "    weight_decay: 0",
            "Parameter Group 1",
            "    dampening: 0",
            "    lr: 0.5",
            "    maximize: False",
            "    momentum: 0.9",
            "    nesterov: False",
            "    weight_decay: 0",
            ")",
        ]
    )

    assert repr(optimizer) == expected


def test_optimizer_base_update_is_abstract():
    param = make_param()
    param.grad = Tensor(np.ones(param.shape, dtype=param.dtype))
    optimizer = Optimizer([param], {"lr": 0.1})
    with pytest.raises(NotImplementedError, match="must implement _update_param"):
        optimizer.step()


# add_param_group -----------------------------------------------------------------


def test_add_param_group_appends_group():
    first, second = make_param(), make_param()
    optimizer = SGD([first], lr=0.1)

    optimizer.add_param_group({"params": [second], "lr": 0.01})

    assert len(optimizer.param_groups) == 2
    assert optimizer.param_groups[1]["params"] == [second]
    assert optimizer.param_groups[1]["lr"] == 0.01
    assert optimizer.param_groups[1]["momentum"] == 0


def test_add_param_group_keeps_caller_dict():
    optimizer = SGD([make_param()], lr=0.1)
    group = {"params": make_param()}

    optimizer.add_param_group(group)

    assert set(group) == {"params"}
    assert isinstance(group["params"], Tensor)


def test_add_param_group_rejects_non_dict():
    optimizer = SGD([make_param()], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict, but got list"):
        optimizer.add_param_group([make_param()])


def test_add_param_group_rejects_missing_params():
    optimizer = SGD([make_param()], lr=0.1)
    with pytest.raises(ValueError, match="no 'params' entry"):
        optimizer.add_param_group({"lr": 0.1})


def test_add_param_group_rejects_known_param():
    param = make_param()
    optimizer = SGD([param], lr=0.1)

    with pytest.raises(ValueError, match="already in group 0"):
        optimizer.add_param_group({"params": [make_param(), param]})
    assert len(optimizer.param_groups) == 1


# zero_grad -----------------------------------------------------------------------


def test_zero_grad_sets_none():
    params = [make_param(), make_param()]
    optimizer = SGD(params, lr=0.1)
    set_grads(params, 0)

    optimizer.zero_grad()

    assert params[0].grad is None
    assert params[1].grad is None


def test_zero_grad_fills_zeros_in_place():
    param = make_param()
    optimizer = SGD([param], lr=0.1)
    param.grad = Tensor([3.0, -1.0])
    grad = param.grad

    optimizer.zero_grad(set_to_none=False)

    assert param.grad is grad
    np.testing.assert_array_equal(param.grad.numpy(), [0.0, 0.0])
    assert param.grad.dtype == np.float32


def test_zero_grad_detaches_graph_grad():
    param = make_param()
    optimizer = SGD([param], lr=0.1)
    (param * param).sum().backward(create_graph=True)
    assert param.grad.grad_fn is not None

    optimizer.zero_grad(set_to_none=False)

    assert param.grad.grad_fn is None
    assert not param.grad.requires_grad
    np.testing.assert_array_equal(param.grad.numpy(), [0.0, 0.0])


def test_zero_grad_skips_missing_grad():
    with_grad, without_grad = make_param(), make_param()
    optimizer = SGD([with_grad, without_grad], lr=0.1)
    with_grad.grad = Tensor([1.0, 1.0])

    optimizer.zero_grad(set_to_none=False)

    assert without_grad.grad is None
    np.testing.assert_array_equal(with_grad.grad.numpy(), [0.0, 0.0])


def test_zero_grad_zeros_still_step_with_decay():
    param = make_param((1.0, 2.0))
    optimizer = SGD([param], lr=0.5, weight_decay=0.1)
    param.grad = Tensor([1.0, 1.0])

    optimizer.zero_grad(set_to_none=False)
    optimizer.step()

    np.testing.assert_allclose(param.detach().numpy(), [0.95, 1.9], rtol=1e-6)


# state_dict ----------------------------------------------------------------------


def test_state_dict_layout():
    params, optimizer = trained_sgd()
    state_dict = optimizer.state_dict()

    assert set(state_dict) == {"state", "param_groups"}
    assert [group["params"] for group in state_dict["param_groups"]] == [[0, 1], [2]]
    assert state_dict["param_groups"][0]["lr"] == 0.1
    assert state_dict["param_groups"][1]["lr"] == 0.5
    assert state_dict["param_groups"][1]["momentum"] == 0.9
    assert set(state_dict["state"]) == {0, 1, 2}
    assert set(state_dict["state"][2]) == {"momentum_buffer"}


def test_state_dict_buffers_match_state():
    params, optimizer = trained_sgd()
    state_dict = optimizer.state_dict()

    for index, param in enumerate(params):
        saved = state_dict["state"][index]["momentum_buffer"]
        live = optimizer.state[param]["momentum_buffer"]
        np.testing.assert_array_equal(saved.numpy(), live.numpy())
        assert saved is not live


def test_state_dict_skips_params_without_state():
    with_grad, without_grad = make_param(), make_param()
    optimizer = SGD([with_grad, without_grad], lr=0.1, momentum=0.9)
    with_grad.grad = Tensor([1.0, 1.0])
    optimizer.step()

    state_dict = optimizer.state_dict()

    assert set(state_dict["state"]) == {0}
    assert state_dict["param_groups"][0]["params"] == [0, 1]


def test_state_dict_repeated_param_index():
    param, other = make_param(), make_param()
    with pytest.warns(UserWarning):
        optimizer = SGD([param, param, other], lr=0.1)

    assert optimizer.state_dict()["param_groups"][0]["params"] == [0, 0, 2]


def test_state_dict_unchanged_by_later_steps():
    params, optimizer = trained_sgd()
    state_dict = optimizer.state_dict()
    saved = state_dict["state"][0]["momentum_buffer"].numpy().copy()

    set_grads(params, 10)
    optimizer.step()
    optimizer.param_groups[0]["lr"] = 1.0

    np.testing.assert_array_equal(
        state_dict["state"][0]["momentum_buffer"].numpy(), saved
    )
    assert state_dict["param_groups"][0]["lr"] == 0.1


def test_state_dict_round_trip_same_steps():
    params, optimizer = trained_sgd(nesterov=True)
    copies = [make_param(value) for value in param_values(params)]
    restored = SGD(
        [{"params": copies[:2]}, {"params": copies[2:]}], lr=7.0, momentum=0.0
    )

    restored.load_state_dict(optimizer.state_dict())
    for step in range(3):
        set_grads(params, 100 + step)
        set_grads(copies, 100 + step)
        optimizer.step()
        restored.step()

    for actual, expected in zip(
        param_values(copies), param_values(params), strict=True
    ):
        np.testing.assert_array_equal(actual, expected)
    assert_state_dicts_equal(restored.state_dict(), optimizer.state_dict())


def test_load_state_dict_restores_hyperparameters():
    params, optimizer = trained_sgd()
    restored = SGD([{"params": params[:2]}, {"params": params[2:]}], lr=7.0)

    restored.load_state_dict(optimizer.state_dict())

    assert restored.param_groups[0]["lr"] == 0.1
    assert restored.param_groups[1]["lr"] == 0.5
    assert restored.param_groups[1]["momentum"] == 0.9
    assert restored.param_groups[1]["params"][0] is params[2]


def test_load_state_dict_copies_tensors():
    params, optimizer = trained_sgd()
    state_dict = optimizer.state_dict()
    saved = state_dict["state"][0]["momentum_buffer"].numpy().copy()
    restored = SGD([{"params": params[:2]}, {"params": params[2:]}], lr=7.0)

    restored.load_state_dict(state_dict)
    set_grads(params, 50)
    restored.step()

    np.testing.assert_array_equal(
        state_dict["state"][0]["momentum_buffer"].numpy(), saved
    )
    assert (
        restored.state[params[0]]["momentum_buffer"]
        is not (state_dict["state"][0]["momentum_buffer"])
    )


def test_load_state_dict_casts_to_param_dtype():
    source = make_param((1.0, 2.0), dtype=np.float64)
    optimizer = SGD([source], lr=0.1, momentum=0.9)
    source.grad = Tensor(np.array([0.5, 0.25]))
    optimizer.step()
    target = make_param((1.0, 2.0), dtype=np.float32)
    restored = SGD([target], lr=0.1, momentum=0.9)

    restored.load_state_dict(optimizer.state_dict())
    buffer = restored.state[target]["momentum_buffer"]

    assert buffer.dtype == np.float32
    np.testing.assert_array_equal(buffer.numpy(), [0.5, 0.25])


def test_load_state_dict_keeps_step_dtype():
    param = make_param(dtype=np.float32)
    optimizer = Optimizer([param], {"lr": 0.1})
    step_count = Tensor(np.array(3.0, dtype=np.float64))
    state_dict = {
        "state": {0: {"step": step_count, "buffer": Tensor(np.zeros(2))}},
        "param_groups": [{"lr": 0.1, "params": [0]}],
    }

    optimizer.load_state_dict(state_dict)

    assert optimizer.state[param]["step"].dtype == np.float64
    assert optimizer.state[param]["buffer"].dtype == np.float32


def test_load_state_dict_keeps_unknown_index():
    param = make_param()
    optimizer = SGD([param], lr=0.1)
    state_dict = {
        "state": {5: {"note": 1}},
        "param_groups": [{"lr": 0.1, "params": [0]}],
    }

    optimizer.load_state_dict(state_dict)

    assert optimizer.state[5] == {"note": 1}


# load_state_dict errors ----------------------------------------------------------


def snapshot(optimizer):
    """Return a state dict copy, the list of group dicts and the state object."""
    return optimizer.state_dict(), list(optimizer.param_groups), optimizer.state


def assert_unchanged(optimizer, before):
    state_dict, groups, state = before
    assert_state_dicts_equal(optimizer.state_dict(), state_dict)
    assert optimizer.state is state
    assert len(optimizer.param_groups) == len(groups)
    for group, old_group in zip(optimizer.param_groups, groups, strict=True):
        assert group is old_group


def test_load_state_dict_rejects_group_count():
    params, optimizer = trained_sgd()
    single = SGD(params, lr=0.1, momentum=0.9)
    before = snapshot(optimizer)

    with pytest.raises(ValueError, match="it has 1, but the optimizer has 2"):
        optimizer.load_state_dict(single.state_dict())
    assert_unchanged(optimizer, before)


def test_load_state_dict_rejects_group_size():
    params, optimizer = trained_sgd()
    other = SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1)
    before = snapshot(optimizer)

    with pytest.raises(ValueError, match="group 0 has 1 parameters in the state dict"):
        optimizer.load_state_dict(other.state_dict())
    assert_unchanged(optimizer, before)


def test_load_state_dict_rejects_missing_key():
    _, optimizer = trained_sgd()
    before = snapshot(optimizer)
    state_dict = optimizer.state_dict()
    del state_dict["param_groups"]

    with pytest.raises(ValueError, match="no 'param_groups' entry"):
        optimizer.load_state_dict(state_dict)
    assert_unchanged(optimizer, before)


def test_load_state_dict_rejects_group_without_params():
    _, optimizer = trained_sgd()
    before = snapshot(optimizer)
    state_dict = optimizer.state_dict()
    del state_dict["param_groups"][1]["params"]

    with pytest.raises(ValueError, match="parameter group 1 of the loaded state dict"):
        optimizer.load_state_dict(state_dict)
    assert_unchanged(optimizer, before)


def test_load_state_dict_rejects_non_dict():
    _, optimizer = trained_sgd()
    before = snapshot(optimizer)

    with pytest.raises(TypeError, match="state_dict must be a dict, but got list"):
        optimizer.load_state_dict([])
    assert_unchanged(optimizer, before)
