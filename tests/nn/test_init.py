import math

import numpy as np
import pytest

from tinygrad_edu import manual_seed, nn
from tinygrad_edu.nn import init
from tinygrad_edu.tensor import Tensor


def empty(*shape, dtype=np.float32):
    return Tensor(np.zeros(shape, dtype))


def values(tensor):
    return tensor.detach().numpy()


# calculate_gain ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nonlinearity", "gain"),
    [
        ("linear", 1.0),
        ("conv2d", 1.0),
        ("sigmoid", 1.0),
        ("tanh", 5.0 / 3),
        ("relu", math.sqrt(2.0)),
        ("selu", 0.75),
        ("leaky_relu", math.sqrt(2.0 / (1 + 0.01**2))),
    ],
)
def test_calculate_gain_table(nonlinearity, gain):
    assert init.calculate_gain(nonlinearity) == pytest.approx(gain)


def test_calculate_gain_leaky_slope():
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))


def test_calculate_gain_bool_slope_raises():
    with pytest.raises(ValueError, match="True"):
        init.calculate_gain("leaky_relu", True)


def test_calculate_gain_unknown_raises():
    with pytest.raises(ValueError, match="'gelu'"):
        init.calculate_gain("gelu")


# Fans --------------------------------------------------------------------------------


def test_fans_of_matrix():
    assert init._calculate_fan_in_and_fan_out(empty(5, 3)) == (3, 5)


def test_fans_of_kernel():
    assert init._calculate_fan_in_and_fan_out(empty(8, 4, 3, 2)) == (24, 48)


def test_fans_of_vector_raise():
    with pytest.raises(ValueError, match=r"2 dimensions.*\(4,\)"):
        init._calculate_fan_in_and_fan_out(empty(4))


def test_xavier_vector_raises():
    with pytest.raises(ValueError, match="2 dimensions"):
        init.xavier_uniform_(empty(4))


def test_kaiming_bad_mode_raises():
    with pytest.raises(ValueError, match="'fan_avg'"):
        init.kaiming_uniform_(empty(3, 3), mode="fan_avg")


# Fill functions ----------------------------------------------------------------------


def test_uniform_bounds_and_identity():
    tensor = empty(200, 50)
    assert init.uniform_(tensor, -2.0, 3.0) is tensor
    assert values(tensor).min() >= -2.0
    assert values(tensor).max() <= 3.0
    assert values(tensor).max() - values(tensor).min() > 4.9


def test_uniform_draws_from_shared_generator():
    manual_seed(3)
    tensor = init.uniform_(empty(4, 2, dtype=np.float64), -1.0, 1.0)
    expected = np.random.default_rng(3).uniform(-1.0, 1.0, (4, 2))
    np.testing.assert_array_equal(values(tensor), expected)


def test_uniform_uses_given_generator():
    tensor = init.uniform_(
        empty(3, dtype=np.float64), generator=np.random.default_rng(9)
    )
    np.testing.assert_array_equal(
        values(tensor), np.random.default_rng(9).uniform(size=3)
    )


def test_normal_statistics():
    tensor = init.normal_(empty(400, 100), mean=1.5, std=0.5)
    assert values(tensor).mean() == pytest.approx(1.5, abs=0.01)
    assert values(tensor).std() == pytest.approx(0.5, abs=0.01)


def test_normal_negative_std_raises():
    with pytest.raises(ValueError, match="std"):
        init.normal_(empty(2), std=-1.0)


def test_constant_zeros_ones():
    tensor = empty(2, 3)
    assert init.constant_(tensor, 0.25) is tensor
    assert np.all(values(tensor) == 0.25)
    assert not values(init.zeros_(tensor)).any()
    assert np.all(values(init.ones_(tensor)) == 1.0)


@pytest.mark.parametrize(
    "fill",
    [
        lambda t: init.uniform_(t),
        lambda t: init.normal_(t),
        lambda t: init.constant_(t, 2.0),
        lambda t: init.xavier_uniform_(t),
        lambda t: init.xavier_normal_(t),
        lambda t: init.kaiming_uniform_(t),
        lambda t: init.kaiming_normal_(t),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fill_on_parameter_keeps_dtype(fill, dtype):
    param = nn.Parameter(empty(4, 3, dtype=dtype))
    assert fill(param) is param
    assert param.dtype == dtype
    assert param.requires_grad
    assert param.is_leaf


def test_xavier_uniform_bound():
    tensor = init.xavier_uniform_(empty(300, 100), gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 400)
    assert np.abs(values(tensor)).max() <= bound
    assert np.abs(values(tensor)).max() > 0.95 * bound


def test_xavier_normal_std():
    tensor = init.xavier_normal_(empty(400, 200))
    assert values(tensor).std() == pytest.approx(math.sqrt(2.0 / 600), rel=0.03)


@pytest.mark.parametrize(
    ("kwargs", "fan"),
    [
        ({}, 100),
        ({"mode": "fan_out"}, 300),
        ({"nonlinearity": "relu"}, 100),
        ({"a": math.sqrt(5)}, 100),
    ],
)
def test_kaiming_uniform_bound(kwargs, fan):
    tensor = init.kaiming_uniform_(empty(300, 100), **kwargs)
    gain = init.calculate_gain(
        kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0)
    )
    bound = gain * math.sqrt(3.0 / fan)
    assert np.abs(values(tensor)).max() <= bound
    assert np.abs(values(tensor)).max() > 0.95 * bound


def test_kaiming_normal_std():
    tensor = init.kaiming_normal_(empty(500, 200), nonlinearity="relu")
    assert values(tensor).std() == pytest.approx(math.sqrt(2.0 / 200), rel=0.03)


def test_kaiming_empty_warns():
    tensor = empty(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(tensor) is tensor


def test_init_repeatable_with_seed():
    manual_seed(5)
    first = values(init.kaiming_normal_(empty(3, 4))).copy()
    manual_seed(5)
    second = values(init.kaiming_normal_(empty(3, 4)))
    np.testing.assert_array_equal(first, second)
