import numpy as np
import pytest

from tinygrad_edu import manual_seed, nn
from tinygrad_edu.errors import DTypeError
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import gradcheck


def values(tensor):
    return tensor.detach().numpy()


def test_embedding_weight_shape():
    layer = nn.Embedding(10, 4)
    assert layer.weight.shape == (10, 4)
    assert layer.weight.dtype == np.float32


def test_embedding_init_standard_normal():
    weight = values(nn.Embedding(400, 100).weight)
    assert abs(weight.mean()) < 0.02
    assert abs(weight.std() - 1.0) < 0.02


def test_embedding_init_seeded():
    manual_seed(4)
    weight = values(nn.Embedding(3, 2, dtype="float64").weight)
    expected = np.random.default_rng(4).normal(0.0, 1.0, size=(3, 2))
    np.testing.assert_allclose(weight, expected)


def test_embedding_forward_lookup():
    layer = nn.Embedding(6, 3)
    indices = np.array([[0, 5, 2], [2, 2, 1]])
    out = layer(Tensor(indices))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(values(out), values(layer.weight)[indices])


def test_embedding_gradient_sums_rows():
    layer = nn.Embedding(4, 2, dtype="float64")
    indices = np.array([1, 3, 1, 1])
    layer(Tensor(indices)).sum().backward()
    expected = np.array([[0, 0], [3, 3], [0, 0], [1, 1]], dtype=np.float64)
    np.testing.assert_array_equal(values(layer.weight.grad), expected)


def test_embedding_padding_row_zero():
    layer = nn.Embedding(5, 3, padding_idx=2)
    np.testing.assert_array_equal(values(layer.weight)[2], np.zeros(3))


def test_embedding_padding_no_gradient():
    layer = nn.Embedding(5, 3, padding_idx=2, dtype="float64")
    out = layer(Tensor(np.array([2, 0, 2, 4])))
    (out * out + out).sum().backward()
    np.testing.assert_array_equal(values(layer.weight.grad)[2], np.zeros(3))


def test_embedding_padding_other_rows_gradient():
    layer = nn.Embedding(5, 3, padding_idx=2, dtype="float64")
    layer(Tensor(np.array([2, 0, 0]))).sum().backward()
    np.testing.assert_array_equal(values(layer.weight.grad)[0], np.full(3, 2.0))


def test_embedding_padding_uses_row_values():
    layer = nn.Embedding(3, 2, padding_idx=0, dtype="float64")
    layer.weight.data.numpy()[0] = [7.0, 8.0]
    out = values(layer(Tensor(np.array([0, 1]))))
    np.testing.assert_array_equal(out[0], [7.0, 8.0])


def test_embedding_negative_padding_idx():
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_embedding_gradcheck():
    # Without padding_idx: a padding row does change the output, but on
    # purpose gets no gradient, so finite differences disagree there.
    layer = nn.Embedding(5, 3, dtype="float64")
    indices = Tensor(np.array([[1, 0], [3, 1], [0, 4]]))

    def fn(weight):
        return layer(indices) * layer(indices)

    assert gradcheck(fn, [layer.weight])


@pytest.mark.parametrize("index", [5, -1])
def test_embedding_index_out_of_range(index):
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="out of range"):
        layer(Tensor(np.array([0, index])))


def test_embedding_float_indices_rejected():
    with pytest.raises(DTypeError, match="integer indices"):
        nn.Embedding(5, 2)(Tensor(np.array([0.0, 1.0])))


@pytest.mark.parametrize("padding_idx", [5, -6, 1.0])
def test_embedding_bad_padding_idx(padding_idx):
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(5, 2, padding_idx=padding_idx)


@pytest.mark.parametrize("size", [-1, 2.5, True])
def test_embedding_bad_size(size):
    with pytest.raises(ValueError, match="num_embeddings"):
        nn.Embedding(size, 2)


def test_embedding_state_dict_keys():
    assert list(nn.Embedding(5, 2).state_dict()) == ["weight"]


def test_embedding_repr():
    layer = nn.Embedding(5, 2, padding_idx=0)
    assert repr(layer) == "Embedding(5, 2, padding_idx=0)"
