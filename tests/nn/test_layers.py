import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import manual_seed, nn
from tinygrad_edu.errors import DTypeError, InPlaceError, ShapeError
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.jacobian import numerical_gradient


def values(tensor):
    return tensor.detach().numpy()


# Linear ------------------------------------------------------------------------------


def test_linear_parameter_shapes():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4)
    assert layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32
    assert isinstance(layer.weight, nn.Parameter)


def test_linear_dtype_option():
    layer = nn.Linear(4, 3, dtype="float64")
    assert layer.weight.dtype == np.float64
    assert layer.bias.dtype == np.float64


def test_linear_init_bounds():
    layer = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    assert np.abs(values(layer.weight)).max() <= bound
    assert np.abs(values(layer.weight)).max() > 0.95 * bound
    assert np.abs(values(layer.bias)).max() <= bound
    assert np.abs(values(layer.bias)).max() > 0.9 * bound


def test_linear_seeded_init_repeats():
    manual_seed(7)
    first = nn.Linear(5, 3)
    manual_seed(7)
    second = nn.Linear(5, 3)
    np.testing.assert_array_equal(values(first.weight), values(second.weight))
    np.testing.assert_array_equal(values(first.bias), values(second.bias))


def test_linear_different_seeds_differ():
    manual_seed(1)
    first = nn.Linear(5, 3)
    manual_seed(2)
    second = nn.Linear(5, 3)
    assert not np.array_equal(values(first.weight), values(second.weight))


def test_linear_reset_parameters_in_place():
    layer = nn.Linear(5, 3)
    weight, before = layer.weight, values(layer.weight).copy()
    layer.reset_parameters()
    assert layer.weight is weight
    assert not np.array_equal(values(layer.weight), before)


def test_linear_without_bias():
    layer = nn.Linear(4, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]
    x = np.ones((3, 4), np.float32)
    np.testing.assert_allclose(
        values(layer(Tensor(x))), x @ values(layer.weight).T, rtol=1e-6
    )


def test_linear_repr():
    assert (
        repr(nn.Linear(64, 10)) == "Linear(in_features=64, out_features=10, bias=True)"
    )
    assert nn.Linear(2, 3, bias=False).extra_repr() == (
        "in_features=2, out_features=3, bias=False"
    )


@settings(max_examples=25)
@given(
    batch=st.lists(st.integers(1, 3), max_size=3),
    in_features=st.integers(1, 5),
    out_features=st.integers(1, 5),
)
def test_linear_forward_shapes(batch, in_features, out_features):
    layer = nn.Linear(in_features, out_features)
    x = np.random.default_rng(0).standard_normal((*batch, in_features))
    out = layer(Tensor(x.astype(np.float32)))
    expected = x @ values(layer.weight).T + values(layer.bias)
    assert out.shape == (*batch, out_features)
    np.testing.assert_allclose(values(out), expected, rtol=1e-5, atol=1e-6)


def test_linear_backward_matches_differences(rng):
    layer = nn.Linear(3, 2).double()
    x = rng.standard_normal((4, 3))
    probe = rng.standard_normal((4, 2))
    weight = values(layer.weight).copy()
    bias = values(layer.bias).copy()
    inputs = Tensor(x, requires_grad=True)
    (layer(inputs) * Tensor(probe)).sum().backward()

    def loss(x_, w_, b_):
        return ((x_ @ w_.T + b_) * probe).sum()

    np.testing.assert_allclose(
        values(inputs.grad),
        numerical_gradient(lambda a: loss(a, weight, bias), x),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        values(layer.weight.grad),
        numerical_gradient(lambda a: loss(x, a, bias), weight),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        values(layer.bias.grad),
        numerical_gradient(lambda a: loss(x, weight, a), bias),
        rtol=1e-6,
    )


def test_linear_shape_mismatch_names_shapes():
    layer = nn.Linear(4, 2)
    with pytest.raises(ShapeError, match=r"in_features=4.*\(3, 5\)"):
        layer(Tensor(np.zeros((3, 5), np.float32)))


def test_linear_dtype_mismatch_raises():
    with pytest.raises(DTypeError, match="float64"):
        nn.Linear(2, 2)(Tensor(np.zeros((1, 2))))


@pytest.mark.parametrize("features", [-1, 2.5, True])
def test_linear_bad_features_raise(features):
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(features, 2)


def test_linear_zero_inputs_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        layer = nn.Linear(0, 3)
    assert not values(layer.bias).any()


# Identity and Flatten ----------------------------------------------------------------


def test_identity_returns_input():
    x = Tensor([1.0, 2.0])
    assert nn.Identity(3, key="ignored")(x) is x


def test_flatten_default_keeps_batch():
    out = nn.Flatten()(Tensor(np.zeros((2, 3, 4, 5))))
    assert out.shape == (2, 60)


def test_flatten_custom_dims():
    out = nn.Flatten(0, -2)(Tensor(np.zeros((2, 3, 4))))
    assert out.shape == (6, 4)


def test_flatten_repr():
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# Activations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.ReLU(), lambda x: np.maximum(x, 0)),
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (nn.Tanh(), np.tanh),
    ],
)
def test_activation_values(rng, module, reference):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(values(module(Tensor(x))), reference(x), rtol=1e-12)


def test_relu_inplace_overwrites_input():
    source = Tensor([-1.0, 2.0], requires_grad=True)
    hidden = source * 1
    out = nn.ReLU(inplace=True)(hidden)
    out.sum().backward()
    assert out is hidden
    np.testing.assert_array_equal(values(hidden), [0.0, 2.0])
    np.testing.assert_array_equal(values(source.grad), [0.0, 1.0])


def test_relu_inplace_leaf_raises():
    with pytest.raises(InPlaceError):
        nn.ReLU(inplace=True)(Tensor([1.0], requires_grad=True))


def test_activation_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax()) == "LogSoftmax(dim=None)"


@pytest.mark.parametrize(("ndim", "dim"), [(1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_implicit_dim_warns(rng, ndim, dim):
    x = rng.standard_normal((2,) * ndim)
    with pytest.warns(UserWarning, match=f"dim={dim}"):
        out = nn.Softmax()(Tensor(x))
    expected = np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True)
    np.testing.assert_allclose(values(out), expected, rtol=1e-12)


def test_log_softmax_module(rng):
    x = rng.standard_normal((3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.LogSoftmax(dim=1)(Tensor(x))
    expected = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(values(out), expected, rtol=1e-12)


LAYER_CLASSES = [
    nn.Linear,
    nn.Identity,
    nn.Flatten,
    nn.ReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Softmax,
    nn.LogSoftmax,
    nn.Sequential,
    nn.ModuleList,
    nn.MSELoss,
    nn.CrossEntropyLoss,
    nn.NLLLoss,
    nn.BCELoss,
    nn.BCEWithLogitsLoss,
]


@pytest.mark.parametrize("layer", LAYER_CLASSES, ids=lambda cls: cls.__name__)
def test_layer_docstring_has_shape(layer):
    assert "Shape:" in layer.__doc__


# Sequential --------------------------------------------------------------------------


def test_sequential_runs_in_order():
    model = nn.Sequential(nn.Flatten(0), nn.ReLU())
    out = model(Tensor(np.array([[-1.0, 2.0]])))
    np.testing.assert_array_equal(values(out), [0.0, 2.0])


def test_sequential_empty_returns_input():
    x = Tensor([1.0])
    assert nn.Sequential()(x) is x


def test_sequential_indexing():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    model = nn.Sequential(*layers)
    assert model[0] is layers[0]
    assert model[-1] is layers[2]
    assert len(model) == 3
    assert list(model) == layers


def test_sequential_slice_is_sequential():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    tail = nn.Sequential(*layers)[1:]
    assert isinstance(tail, nn.Sequential)
    assert list(tail) == layers[1:]
    assert [name for name, _ in tail.named_children()] == ["1", "2"]


def test_sequential_index_out_of_range():
    with pytest.raises(IndexError, match="3"):
        nn.Sequential(nn.ReLU())[3]


def test_sequential_ordered_dict_names():
    model = nn.Sequential(
        OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())])
    )
    assert [name for name, _ in model.named_parameters()] == [
        "hidden.weight",
        "hidden.bias",
    ]
    assert isinstance(model[1], nn.ReLU)


def test_sequential_append_insert_delete():
    model = nn.Sequential(nn.ReLU())
    tanh = nn.Tanh()
    assert model.append(nn.Sigmoid()) is model
    model.insert(1, tanh)
    assert [type(m).__name__ for m in model] == ["ReLU", "Tanh", "Sigmoid"]
    del model[0]
    assert [name for name, _ in model.named_children()] == ["0", "1"]
    assert model[0] is tanh


def test_sequential_setitem():
    model = nn.Sequential(nn.ReLU(), nn.Tanh())
    model[-1] = nn.Sigmoid()
    assert isinstance(model[1], nn.Sigmoid)


def test_sequential_rejects_non_module():
    with pytest.raises(TypeError, match="Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)


# ModuleList --------------------------------------------------------------------------


def test_module_list_registers_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    assert [name for name, _ in layers.named_parameters()] == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
    ]


def test_module_list_list_methods():
    layers = nn.ModuleList()
    relu, tanh, sigmoid = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    layers.append(relu)
    layers.extend([sigmoid])
    layers.insert(1, tanh)
    layers += [nn.Identity()]
    assert len(layers) == 4
    assert list(layers)[:3] == [relu, tanh, sigmoid]
    assert layers[-2] is sigmoid


def test_module_list_slice():
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    part = layers[::2]
    assert isinstance(part, nn.ModuleList)
    assert [type(m).__name__ for m in part] == ["ReLU", "Sigmoid"]


def test_module_list_delete_renumbers():
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()])
    del layers[:2]
    assert [name for name, _ in layers.named_children()] == ["0"]


def test_module_list_repr_groups_repeats():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    assert repr(layers) == (
        "ModuleList(\n"
        "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (3): ReLU()\n"
        ")"
    )


def test_module_list_not_callable():
    with pytest.raises(NotImplementedError):
        nn.ModuleList([nn.ReLU()])(Tensor([1.0]))


def test_module_list_extend_non_iterable_raises():
    with pytest.raises(TypeError, match="iterable"):
        nn.ModuleList().extend(nn.ReLU())


def test_module_list_insert_out_of_range():
    with pytest.raises(IndexError, match="5"):
        nn.ModuleList([nn.ReLU()]).insert(5, nn.Tanh())
