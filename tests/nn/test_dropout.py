import numpy as np
import pytest

from tinygrad_edu import manual_seed, nn
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import gradcheck


def values(tensor):
    return tensor.detach().numpy()


def test_dropout_matches_mask_formula():
    x = np.arange(1.0, 201.0).reshape(10, 20)
    manual_seed(3)
    out = values(nn.Dropout(0.3)(Tensor(x)))
    keep = np.random.default_rng(3).random(x.shape) >= 0.3
    np.testing.assert_allclose(out, x * keep / 0.7)


def test_dropout_scales_kept_elements():
    out = values(nn.Dropout(0.25)(Tensor(np.ones((50, 40)))))
    kept = out[out != 0]
    np.testing.assert_allclose(kept, 1 / 0.75)


def test_dropout_drop_fraction():
    out = values(nn.Dropout(0.4)(Tensor(np.ones((200, 200)))))
    assert abs(np.mean(out == 0) - 0.4) < 0.01


def test_dropout_eval_identity():
    layer = nn.Dropout(0.5).eval()
    x = Tensor(np.arange(6.0))
    assert layer(x) is x


def test_dropout_p_zero_identity():
    x = np.arange(6.0)
    np.testing.assert_array_equal(values(nn.Dropout(0.0)(Tensor(x))), x)


def test_dropout_p_one_zeros():
    out = values(nn.Dropout(1.0)(Tensor(np.ones((3, 4)))))
    np.testing.assert_array_equal(out, np.zeros((3, 4)))


def test_dropout_keeps_dtype():
    out = nn.Dropout(0.5)(Tensor(np.ones(8, dtype=np.float32)))
    assert out.dtype == np.float32


def test_dropout_seed_repeatable():
    x = Tensor(np.ones((6, 6)))
    manual_seed(7)
    first = values(nn.Dropout()(x))
    manual_seed(7)
    second = values(nn.Dropout()(x))
    np.testing.assert_array_equal(first, second)


def test_dropout_gradient_is_mask():
    x = Tensor(np.ones((5, 6)), requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_allclose(values(x.grad), values(out))


def test_dropout_gradcheck():
    x = Tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)

    def fn(t):
        manual_seed(5)
        return nn.Dropout(0.3)(t)

    assert gradcheck(fn, [x])


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", True])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(p)


def test_dropout_repr():
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"


def test_dropout_no_state():
    assert list(nn.Dropout().state_dict()) == []
