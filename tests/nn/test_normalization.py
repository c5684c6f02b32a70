import numpy as np
import pytest

from tinygrad_edu import nn
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import gradcheck


def values(tensor):
    return tensor.detach().numpy()


def normalize(x, mean, var, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)


def batch_stats(x):
    axes = tuple(i for i in range(x.ndim) if i != 1)
    return x.mean(axis=axes), x.var(axis=axes), x.size // x.shape[1]


@pytest.mark.parametrize(
    "layer, shape",
    [
        (nn.BatchNorm1d, (6, 3)),
        (nn.BatchNorm1d, (4, 3, 5)),
        (nn.BatchNorm2d, (2, 3, 4, 5)),
    ],
)
def test_batchnorm_training_forward(layer, shape, rng):
    x = rng.normal(2.0, 3.0, size=shape)
    out = values(layer(3, dtype="float64")(Tensor(x)))
    mean, var, _ = batch_stats(x)
    np.testing.assert_allclose(out, normalize(x, mean, var))


def test_batchnorm_affine_forward(rng):
    layer = nn.BatchNorm1d(3, dtype="float64")
    layer.weight.data.numpy()[:] = [1.0, 2.0, -0.5]
    layer.bias.data.numpy()[:] = [0.0, 1.0, 3.0]
    x = rng.normal(size=(5, 3))
    mean, var, _ = batch_stats(x)
    expected = normalize(x, mean, var) * [1.0, 2.0, -0.5] + [0.0, 1.0, 3.0]
    np.testing.assert_allclose(values(layer(Tensor(x))), expected)


def test_batchnorm_running_stats_steps(rng):
    layer = nn.BatchNorm2d(3, dtype="float64")
    running_mean, running_var = np.zeros(3), np.ones(3)
    for _ in range(4):
        x = rng.normal(1.0, 2.0, size=(2, 3, 3, 3))
        layer(Tensor(x))
        mean, var, n = batch_stats(x)
        running_mean = 0.9 * running_mean + 0.1 * mean
        running_var = 0.9 * running_var + 0.1 * var * n / (n - 1)
    np.testing.assert_allclose(values(layer.running_mean), running_mean)
    np.testing.assert_allclose(values(layer.running_var), running_var)
    assert layer.num_batches_tracked.item() == 4


def test_batchnorm_cumulative_average(rng):
    layer = nn.BatchNorm1d(2, momentum=None, dtype="float64")
    batches = [rng.normal(size=(4, 2)) for _ in range(3)]
    for x in batches:
        layer(Tensor(x))
    means = np.mean([x.mean(axis=0) for x in batches], axis=0)
    variances = np.mean([x.var(axis=0, ddof=1) for x in batches], axis=0)
    np.testing.assert_allclose(values(layer.running_mean), means)
    np.testing.assert_allclose(values(layer.running_var), variances)


def test_batchnorm_custom_momentum(rng):
    layer = nn.BatchNorm1d(2, momentum=0.5, dtype="float64")
    x = rng.normal(size=(4, 2))
    layer(Tensor(x))
    np.testing.assert_allclose(values(layer.running_mean), 0.5 * x.mean(axis=0))


def test_batchnorm_eval_uses_running(rng):
    layer = nn.BatchNorm1d(3, dtype="float64")
    for _ in range(3):
        layer(Tensor(rng.normal(size=(8, 3))))
    layer.eval()
    x = rng.normal(size=(5, 3))
    expected = normalize(x, values(layer.running_mean), values(layer.running_var))
    np.testing.assert_allclose(values(layer(Tensor(x))), expected)


def test_batchnorm_eval_keeps_running(rng):
    layer = nn.BatchNorm1d(3).eval()
    layer(Tensor(rng.normal(size=(5, 3)).astype(np.float32)))
    np.testing.assert_array_equal(values(layer.running_mean), np.zeros(3))
    assert layer.num_batches_tracked.item() == 0


def test_batchnorm_untracked_eval_batch_stats(rng):
    layer = nn.BatchNorm1d(3, track_running_stats=False, dtype="float64").eval()
    x = rng.normal(size=(5, 3))
    mean, var, _ = batch_stats(x)
    np.testing.assert_allclose(values(layer(Tensor(x))), normalize(x, mean, var))
    assert layer.running_mean is None


def test_batchnorm_state_dict_keys():
    keys = list(nn.BatchNorm2d(3).state_dict())
    expected = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert keys == expected


def test_batchnorm_no_affine_keys():
    keys = list(nn.BatchNorm1d(3, affine=False).state_dict())
    assert keys == ["running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm_no_bias_keys():
    keys = list(nn.BatchNorm1d(3, bias=False).state_dict())
    assert keys == ["weight", "running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm_untracked_keys():
    keys = list(nn.BatchNorm1d(3, track_running_stats=False).state_dict())
    assert keys == ["weight", "bias"]


def test_batchnorm_buffer_dtypes():
    layer = nn.BatchNorm1d(3)
    assert layer.running_mean.dtype == np.float32
    assert layer.running_var.dtype == np.float32
    assert layer.num_batches_tracked.dtype == np.int64


def test_batchnorm_buffers_not_parameters():
    names = [name for name, _ in nn.BatchNorm1d(3).named_parameters()]
    assert names == ["weight", "bias"]


def test_batchnorm_load_state_dict(rng):
    source = nn.BatchNorm1d(2)
    source(Tensor(rng.normal(size=(4, 2)).astype(np.float32)))
    target = nn.BatchNorm1d(2)
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(
        values(target.running_mean), values(source.running_mean)
    )


@pytest.mark.parametrize(
    "layer, shape", [(nn.BatchNorm1d, (3, 2, 2)), (nn.BatchNorm2d, (2, 2, 2, 2))]
)
def test_batchnorm_gradcheck(layer, shape, rng):
    module = layer(2, dtype="float64")
    module.weight.data.numpy()[:] = [1.5, -0.7]
    module.bias.data.numpy()[:] = [0.2, 0.4]
    x = Tensor(rng.normal(size=shape), requires_grad=True)

    def fn(x, weight, bias):
        return module(x)

    assert gradcheck(fn, [x, module.weight, module.bias])


def test_batchnorm_eval_gradcheck(rng):
    module = nn.BatchNorm1d(2, dtype="float64")
    module(Tensor(rng.normal(size=(5, 2))))
    module.eval()
    x = Tensor(rng.normal(size=(3, 2)), requires_grad=True)

    def fn(x, weight, bias):
        return module(x)

    assert gradcheck(fn, [x, module.weight, module.bias])


@pytest.mark.parametrize(
    "layer, shape", [(nn.BatchNorm1d, (2, 3, 4, 5)), (nn.BatchNorm2d, (2, 3))]
)
def test_batchnorm_wrong_rank(layer, shape):
    with pytest.raises(ValueError, match="input"):
        layer(3)(Tensor(np.zeros(shape, np.float32)))


def test_batchnorm_wrong_channels():
    with pytest.raises(ValueError, match="channels"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((4, 2), np.float32)))


def test_batchnorm_single_value_training():
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((1, 3), np.float32)))


def test_batchnorm_single_value_eval():
    out = nn.BatchNorm1d(3).eval()(Tensor(np.ones((1, 3), np.float32)))
    np.testing.assert_allclose(values(out), np.full((1, 3), 1 / np.sqrt(1 + 1e-5)))


@pytest.mark.parametrize("num_features", [0, -2, 2.0])
def test_batchnorm_bad_num_features(num_features):
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(num_features)


def test_batchnorm_reset_running_stats(rng):
    layer = nn.BatchNorm1d(2)
    layer(Tensor(rng.normal(size=(4, 2)).astype(np.float32)))
    layer.reset_running_stats()
    np.testing.assert_array_equal(values(layer.running_var), np.ones(2))
    assert layer.num_batches_tracked.item() == 0


def test_batchnorm_repr():
    expected = (
        "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)"
    )
    assert repr(nn.BatchNorm2d(4)) == expected
