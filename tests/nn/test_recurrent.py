import math

import numpy as np
import pytest

from tinygrad_edu import manual_seed, nn
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import gradcheck


def values(tensor):
    return tensor.detach().numpy()


def reference(cell, x, h, activation=np.tanh):
    w_ih, w_hh = values(cell.weight_ih), values(cell.weight_hh)
    out = x @ w_ih.T + h @ w_hh.T
    if cell.bias_ih is not None:
        out = out + values(cell.bias_ih) + values(cell.bias_hh)
    return activation(out)


def test_rnncell_parameter_shapes():
    cell = nn.RNNCell(3, 5)
    assert cell.weight_ih.shape == (5, 3)
    assert cell.weight_hh.shape == (5, 5)
    assert cell.bias_ih.shape == (5,)
    assert cell.bias_hh.shape == (5,)


def test_rnncell_state_dict_keys():
    keys = list(nn.RNNCell(3, 5).state_dict())
    assert keys == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


def test_rnncell_no_bias_keys():
    keys = list(nn.RNNCell(3, 5, bias=False).state_dict())
    assert keys == ["weight_ih", "weight_hh"]


def test_rnncell_init_bounds():
    cell = nn.RNNCell(300, 16)
    bound = 1 / math.sqrt(16)
    for param in cell.parameters():
        assert np.abs(values(param)).max() <= bound


def test_rnncell_init_seeded_order():
    manual_seed(2)
    cell = nn.RNNCell(2, 4, dtype="float64")
    rng = np.random.default_rng(2)
    for param in cell.parameters():
        expected = rng.uniform(-0.5, 0.5, size=param.shape)
        np.testing.assert_allclose(values(param), expected)


def test_rnncell_forward_tanh(rng):
    cell = nn.RNNCell(3, 4, dtype="float64")
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    out = values(cell(Tensor(x), Tensor(h)))
    np.testing.assert_allclose(out, reference(cell, x, h))


def test_rnncell_forward_relu(rng):
    cell = nn.RNNCell(3, 4, nonlinearity="relu", dtype="float64")
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    out = values(cell(Tensor(x), Tensor(h)))
    np.testing.assert_allclose(out, reference(cell, x, h, lambda z: z.clip(0)))


def test_rnncell_forward_no_bias(rng):
    cell = nn.RNNCell(3, 4, bias=False, dtype="float64")
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    out = values(cell(Tensor(x), Tensor(h)))
    np.testing.assert_allclose(out, reference(cell, x, h))


def test_rnncell_default_hidden_zeros(rng):
    cell = nn.RNNCell(3, 4, dtype="float64")
    x = rng.normal(size=(2, 3))
    out = values(cell(Tensor(x)))
    np.testing.assert_allclose(out, reference(cell, x, np.zeros((2, 4))))


def test_rnncell_unbatched(rng):
    cell = nn.RNNCell(3, 4, dtype="float64")
    x, h = rng.normal(size=3), rng.normal(size=4)
    out = cell(Tensor(x), Tensor(h))
    assert out.shape == (4,)
    np.testing.assert_allclose(values(out), reference(cell, x, h))


def test_rnncell_sequence_steps(rng):
    cell = nn.RNNCell(2, 3, dtype="float64")
    xs = rng.normal(size=(4, 5, 2))
    h, h_ref = None, np.zeros((5, 3))
    for x in xs:
        h = cell(Tensor(x), h)
        h_ref = reference(cell, x, h_ref)
    np.testing.assert_allclose(values(h), h_ref)


def test_rnncell_gradcheck(rng):
    cell = nn.RNNCell(3, 2, dtype="float64")
    x = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    h = Tensor(rng.normal(size=(2, 2)), requires_grad=True)
    inputs = [x, h, *cell.parameters()]

    def fn(x, h, *params):
        return cell(x, cell(x, h))

    assert gradcheck(fn, inputs)


def test_rnncell_wrong_input_shape():
    with pytest.raises(ShapeError, match="input of shape"):
        nn.RNNCell(3, 4)(Tensor(np.zeros((2, 5), np.float32)))


def test_rnncell_wrong_hidden_shape():
    cell = nn.RNNCell(3, 4)
    with pytest.raises(ShapeError, match="hx of shape"):
        cell(Tensor(np.zeros((2, 3), np.float32)), Tensor(np.zeros((3, 4))))


def test_rnncell_bad_nonlinearity():
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid")


@pytest.mark.parametrize("size", [-1, 2.0, None])
def test_rnncell_bad_size(size):
    with pytest.raises(ValueError, match="hidden_size"):
        nn.RNNCell(3, size)


def test_rnncell_repr():
    cell = nn.RNNCell(3, 4, bias=False, nonlinearity="relu")
    assert repr(cell) == "RNNCell(3, 4, bias=False, nonlinearity=relu)"
