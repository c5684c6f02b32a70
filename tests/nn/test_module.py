import copy
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import manual_seed, nn
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.nn.state_dict import StateDictError
from tinygrad_edu.tensor import Tensor


class Block(nn.Module):
    """A linear layer, a persistent buffer and a non-persistent buffer."""

    def __init__(self, width=3):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.register_buffer("running_mean", Tensor(np.zeros(width, np.float32)))
        self.register_buffer("steps", Tensor(np.array(0)))
        self.register_buffer("scratch", Tensor(np.ones(width, np.float32)), False)

    def forward(self, x):
        return self.linear(x).relu() + self.running_mean


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(Tensor([2.0]))
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(3, 2), nn.Tanh())

    def forward(self, x):
        return self.head(self.block(x) * self.scale)


def snapshot(module):
    return {name: p.detach().numpy().copy() for name, p in module.named_parameters()}


def assert_unchanged(module, before):
    for name, param in module.named_parameters():
        np.testing.assert_array_equal(param.detach().numpy(), before[name], name)


# Parameter ---------------------------------------------------------------------------


def test_parameter_is_tensor():
    param = nn.Parameter(Tensor([1.0]))
    assert isinstance(param, Tensor)
    assert param.requires_grad
    assert param.is_leaf


def test_parameter_shares_tensor_memory():
    data = Tensor([1.0, 2.0])
    param = nn.Parameter(data)
    with no_grad():
        param.mul_(3)
    np.testing.assert_array_equal(data.numpy(), [3.0, 6.0])


def test_parameter_copies_array():
    array = np.array([1.0, 2.0], np.float32)
    param = nn.Parameter(array)
    array[0] = 5.0
    assert param.detach().numpy()[0] == 1.0


def test_parameter_from_list_is_float32():
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32


def test_parameter_none_is_empty():
    assert nn.Parameter().shape == (0,)


def test_parameter_requires_grad_false():
    assert not nn.Parameter(Tensor([1.0]), requires_grad=False).requires_grad


def test_parameter_integer_raises():
    with pytest.raises(DTypeError):
        nn.Parameter(Tensor([1, 2]))


def test_parameter_repr():
    assert repr(nn.Parameter(Tensor([1.0]))).startswith("Parameter containing:\n")


def test_parameter_ops_give_tensors():
    param = nn.Parameter(Tensor([1.0]))
    assert type(param * 2) is Tensor
    assert type(param.detach()) is Tensor


# Registration ------------------------------------------------------------------------


def test_registration_on_assignment():
    net = Net()
    assert list(net._parameters) == ["scale"]
    assert list(net._modules) == ["block", "head"]
    assert list(net.block._buffers) == ["running_mean", "steps", "scratch"]


def test_plain_tensor_attribute_not_registered():
    module = nn.Module()
    module.cache = Tensor([1.0])
    assert list(module.parameters()) == []
    assert list(module.buffers()) == []
    assert module.cache.shape == (1,)


def test_assign_none_to_parameter():
    layer = nn.Linear(2, 2)
    layer.bias = None
    assert "bias" in layer._parameters
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_assign_none_to_module_and_buffer():
    block = Block()
    block.linear = None
    block.running_mean = None
    assert block.linear is None
    assert block.running_mean is None
    assert list(block.state_dict()) == ["steps"]


def test_assign_tensor_to_parameter_raises():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="'bias'"):
        layer.bias = Tensor([1.0, 2.0])


def test_assign_number_to_buffer_raises():
    with pytest.raises(TypeError, match="'running_mean'"):
        Block().running_mean = 3


def test_assign_tensor_to_buffer_keeps_buffer():
    block = Block()
    block.running_mean = Tensor([1.0, 2.0, 3.0])
    assert block.state_dict()["running_mean"].tolist() == [1.0, 2.0, 3.0]


def test_parameter_replaces_plain_attribute():
    module = nn.Module()
    module.weight = 3
    module.weight = nn.Parameter(Tensor([1.0]))
    assert "weight" not in module.__dict__
    assert list(module._parameters) == ["weight"]


def test_getattr_unknown_raises():
    with pytest.raises(
        AttributeError, match="'Linear' object has no attribute 'wieght'"
    ):
        nn.Linear(2, 2).wieght  # noqa: B018


def test_hasattr_unknown_false():
    assert not hasattr(nn.Linear(2, 2), "missing")


def test_delattr_parameter():
    layer = nn.Linear(2, 2)
    del layer.bias
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert not hasattr(layer, "bias")


def test_delattr_buffer_and_module():
    block = Block()
    del block.scratch
    del block.linear
    assert list(block.named_buffers()) == [
        ("running_mean", block.running_mean),
        ("steps", block.steps),
    ]
    assert list(block.children()) == []


def test_assign_before_init_raises():
    class Broken(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(Tensor([1.0]))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_register_parameter_rejects_tensor():
    with pytest.raises(TypeError, match="Parameter"):
        nn.Module().register_parameter("w", Tensor([1.0]))


def test_register_parameter_rejects_dotted_name():
    with pytest.raises(KeyError, match="'a.b'"):
        nn.Module().register_parameter("a.b", nn.Parameter(Tensor([1.0])))


def test_register_buffer_existing_attribute_raises():
    layer = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="'weight'"):
        layer.register_buffer("weight", Tensor([1.0]))


def test_register_buffer_rejects_array():
    with pytest.raises(TypeError, match="Tensor"):
        nn.Module().register_buffer("b", np.zeros(2))


def test_add_module_rejects_non_module():
    with pytest.raises(TypeError, match="Module"):
        nn.Module().add_module("child", 3)


def test_register_non_leaf_parameter_raises():
    source = Tensor([1.0], requires_grad=True)
    param = nn.Parameter(Tensor([1.0]))
    param.grad_fn = (source * 2).grad_fn
    with pytest.raises(ValueError, match="leaf"):
        nn.Module().register_parameter("w", param)


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match="Module"):
        nn.Module()(Tensor([1.0]))


def test_call_runs_forward():
    net = Net()
    x = Tensor(np.ones((4, 3), np.float32))
    np.testing.assert_array_equal(
        net(x).detach().numpy(), net.forward(x).detach().numpy()
    )


# Walking the tree --------------------------------------------------------------------


def test_named_parameters_dotted():
    names = [name for name, _ in Net().named_parameters()]
    assert names == [
        "scale",
        "block.linear.weight",
        "block.linear.bias",
        "head.0.weight",
        "head.0.bias",
    ]


def test_named_parameters_prefix_and_recurse():
    net = Net()
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.block.named_parameters(prefix="b")] == [
        "b.linear.weight",
        "b.linear.bias",
    ]


def test_shared_parameter_listed_once():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    net[1].weight = net[0].weight
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.bias"]
    assert len(list(net.parameters())) == 3


def test_shared_parameter_in_state_dict_twice():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    net[1].weight = net[0].weight
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_shared_module_listed_once():
    layer = nn.Linear(2, 2)
    net = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(net.modules())) == 3
    assert [name for name, _ in net.named_modules()] == ["", "0", "1"]
    assert len(list(net.parameters())) == 2


def test_named_modules_order():
    names = [name for name, _ in Net().named_modules()]
    assert names == ["", "block", "block.linear", "head", "head.0", "head.1"]


def test_children_direct_only():
    net = Net()
    assert list(net.children()) == [net.block, net.head]
    assert [name for name, _ in net.named_children()] == ["block", "head"]


def test_named_buffers_include_non_persistent():
    names = [name for name, _ in Net().named_buffers()]
    assert names == ["block.running_mean", "block.steps", "block.scratch"]
    assert len(list(Net().buffers())) == 3


# Modes and bulk changes --------------------------------------------------------------


def test_train_eval_recursive():
    net = Net()
    assert net.eval() is net
    assert not any(module.training for module in net.modules())
    net.train()
    assert all(module.training for module in net.modules())


def test_train_non_bool_raises():
    with pytest.raises(ValueError, match="bool"):
        Net().train("yes")


def test_requires_grad_off():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_zero_grad_set_to_none():
    net = Net()
    net(Tensor(np.ones((2, 3), np.float32))).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_zero_grad_to_zeros_in_place():
    net = Net()
    net(Tensor(np.ones((2, 3), np.float32))).sum().backward()
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    for param, grad in zip(net.parameters(), grads, strict=True):
        assert param.grad is grad
        assert not param.grad.numpy().any()


def test_apply_children_first():
    net = Net()
    visited = []
    assert net.apply(lambda module: visited.append(type(module).__name__)) is net
    assert visited == ["Linear", "Block", "Linear", "Tanh", "Sequential", "Net"]


def test_to_float64_keeps_identity():
    net = Net()
    params = list(net.parameters())
    net(Tensor(np.ones((2, 3), np.float32))).sum().backward()
    assert net.to("float64") is net
    assert list(net.parameters()) == params
    assert all(p.dtype == np.float64 for p in params)
    assert all(p.grad.dtype == np.float64 for p in params)


def test_to_float64_converts_float_buffers_only():
    net = Net().double()
    assert net.block.running_mean.dtype == np.float64
    assert net.block.scratch.dtype == np.float64
    assert net.block.steps.dtype == np.int64


def test_to_float64_values_and_forward():
    net = Net()
    before = snapshot(net)
    x = np.ones((2, 3), np.float32)
    expected = net(Tensor(x)).detach().numpy()
    net.double()
    assert_unchanged(net, before)
    out = net(Tensor(x.astype(np.float64)))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)


def test_float_converts_back():
    net = Net().double().float()
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_to_integer_raises():
    with pytest.raises(TypeError, match="floating"):
        Net().to("int64")


def test_deepcopy_independent():
    net = Net()
    clone = copy.deepcopy(net)
    with no_grad():
        clone.scale.fill_(7.0)
    assert net.scale.item() == 2.0
    assert [n for n, _ in clone.named_parameters()] == [
        n for n, _ in net.named_parameters()
    ]


# Printing ----------------------------------------------------------------------------


def test_repr_tree():
    expected = (
        "Net(\n"
        "  (block): Block(\n"
        "    (linear): Linear(in_features=3, out_features=3, bias=True)\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=2, bias=True)\n"
        "    (1): Tanh()\n"
        "  )\n"
        ")"
    )
    assert repr(Net()) == expected


def test_repr_multiline_extra():
    class Custom(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Custom()) == "Custom(\n  a=1\n  b=2\n)"


def test_repr_none_child():
    module = nn.Module()
    module.add_module("slot", None)
    assert repr(module) == "Module(\n  (slot): None\n)"


# state_dict --------------------------------------------------------------------------


def test_state_dict_keys():
    state = Net().state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == [
        "scale",
        "block.running_mean",
        "block.steps",
        "block.linear.weight",
        "block.linear.bias",
        "head.0.weight",
        "head.0.bias",
    ]


def test_state_dict_values_detached():
    net = Net()
    state = net.state_dict()
    assert type(state["scale"]) is Tensor
    assert not state["scale"].requires_grad
    assert np.shares_memory(state["scale"].numpy(), net.scale.detach().numpy())


def test_state_dict_keep_vars():
    net = Net()
    assert net.state_dict(keep_vars=True)["scale"] is net.scale


def test_state_dict_round_trip_same_outputs():
    manual_seed(1)
    source = Net()
    manual_seed(2)
    target = Net()
    with no_grad():
        source.block.running_mean.fill_(0.5)
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))

    result = target.load_state_dict(source.state_dict())

    assert result.missing_keys == []
    assert result.unexpected_keys == []
    np.testing.assert_array_equal(
        target(x).detach().numpy(), source(x).detach().numpy()
    )


def test_load_state_dict_keeps_identity_and_grad():
    net = Net()
    params = list(net.parameters())
    net.load_state_dict(Net().state_dict())
    assert list(net.parameters()) == params
    assert all(p.requires_grad and p.is_leaf for p in params)


def test_load_state_dict_matched_repr():
    assert repr(Net().load_state_dict(Net().state_dict())) == (
        "<All keys matched successfully>"
    )


def test_load_state_dict_missing_raises_unchanged():
    net = Net()
    before = snapshot(net)
    state = Net().state_dict()
    del state["head.0.bias"]
    with pytest.raises(StateDictError, match="Missing key.*'head.0.bias'"):
        net.load_state_dict(state)
    assert_unchanged(net, before)


def test_load_state_dict_unexpected_raises_unchanged():
    net = Net()
    before = snapshot(net)
    state = Net().state_dict()
    state["head.2.weight"] = Tensor([1.0])
    with pytest.raises(StateDictError, match="Unexpected key.*'head.2.weight'"):
        net.load_state_dict(state)
    assert_unchanged(net, before)


def test_load_state_dict_wrong_shape_raises_unchanged():
    net = Net()
    before = snapshot(net)
    state = Net().state_dict()
    state["head.0.weight"] = Tensor(np.zeros((3, 3), np.float32))
    with pytest.raises(StateDictError, match=r"'head.0.weight'.*\(3, 3\).*\(2, 3\)"):
        net.load_state_dict(state, strict=False)
    assert_unchanged(net, before)


def test_load_state_dict_lists_every_problem():
    state = Net().state_dict()
    del state["scale"]
    state["extra"] = Tensor([1.0])
    state["head.0.bias"] = Tensor([1.0])
    with pytest.raises(StateDictError) as error:
        Net().load_state_dict(state)
    message = str(error.value)
    assert "'scale'" in message
    assert "'extra'" in message
    assert "'head.0.bias'" in message


def test_load_state_dict_error_is_runtime_error():
    with pytest.raises(RuntimeError):
        Net().load_state_dict({})


def test_load_state_dict_non_strict_reports_keys():
    net = Net()
    state = Net().state_dict()
    del state["scale"]
    state["extra"] = Tensor([1.0])
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["scale"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(
        net.head[0].weight.detach().numpy(), state["head.0.weight"].numpy()
    )


def test_load_state_dict_casts_dtype():
    net = Net()
    state = {key: value.double() for key, value in Net().state_dict().items()}
    net.load_state_dict(state)
    assert net.scale.dtype == np.float32
    assert net.block.steps.dtype == np.int64


def test_load_state_dict_accepts_arrays():
    net = Net()
    state = {key: value.numpy().copy() for key, value in Net().state_dict().items()}
    state["scale"] = np.array([5.0])
    net.load_state_dict(state)
    assert net.scale.item() == 5.0


def test_load_state_dict_rejects_non_mapping():
    with pytest.raises(TypeError, match="mapping"):
        Net().load_state_dict([("scale", Tensor([1.0]))])


def test_load_state_dict_bad_value_listed():
    state = Net().state_dict()
    state["scale"] = "two"
    with pytest.raises(StateDictError, match="'scale'.*str"):
        Net().load_state_dict(state)


@settings(max_examples=25)
@given(widths=st.lists(st.integers(1, 5), min_size=2, max_size=5))
def test_mlp_state_dict_round_trip(widths):
    def build():
        layers = [nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:], strict=True)]
        return nn.Sequential(*layers)

    source, target = build(), build()
    assert len(list(source.parameters())) == 2 * (len(widths) - 1)

    target.load_state_dict(source.state_dict())
    x = Tensor(np.ones((2, widths[0]), np.float32))
    np.testing.assert_array_equal(
        target(x).detach().numpy(), source(x).detach().numpy()
    )
