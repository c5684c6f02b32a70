"""State dicts convert to PyTorch and back, and the export example matches.

NumPy arrays are the reference for values. Tests that need PyTorch are
skipped when it is not installed.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.interop import from_torch, to_torch

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _state_dict(rng):
    return {
        "0.weight": tg.Tensor(rng.standard_normal((4, 3)).astype(np.float32)),
        "0.bias": tg.Tensor(rng.standard_normal(4)),
        "1.num_batches_tracked": tg.Tensor(np.array(7, dtype=np.int64)),
        "2.mask": tg.Tensor(np.array([True, False])),
    }


def test_to_torch_without_torch_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)

    with pytest.raises(ImportError, match="pip install torch"):
        to_torch({"weight": tg.zeros(2)})


def test_from_torch_without_torch_raises(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)

    with pytest.raises(ImportError, match="pip install torch"):
        from_torch({})


def test_to_torch_keeps_keys_shapes_dtypes(rng):
    torch = pytest.importorskip("torch")
    state = _state_dict(rng)

    converted = to_torch(state)

    assert list(converted) == list(state)
    for key, value in state.items():
        assert isinstance(converted[key], torch.Tensor)
        assert converted[key].numpy().dtype == value.dtype
        assert converted[key].numpy().shape == value.shape
        np.testing.assert_array_equal(converted[key].numpy(), value.numpy())


def test_to_torch_copies_values():
    pytest.importorskip("torch")
    weight = tg.Tensor(np.ones((2, 2), dtype=np.float32))

    converted = to_torch({"weight": weight})
    weight.numpy()[0, 0] = 5.0

    assert converted["weight"][0, 0].item() == 1.0


def test_to_torch_accepts_strided_ndarray():
    pytest.importorskip("torch")
    array = np.arange(6.0, dtype=np.float32).reshape(2, 3)[:, ::-1]

    converted = to_torch({"weight": array})

    np.testing.assert_array_equal(converted["weight"].numpy(), array)


def test_to_torch_rejects_list():
    pytest.importorskip("torch")

    with pytest.raises(TypeError, match="'weight' is a list"):
        to_torch({"weight": [1.0, 2.0]})


def test_to_torch_rejects_string_dtype():
    pytest.importorskip("torch")

    with pytest.raises(TypeError, match="no dtype for 'names'"):
        to_torch({"names": np.array([b"a", b"b"])})


def test_round_trip_restores_state(rng):
    pytest.importorskip("torch")
    state = _state_dict(rng)

    restored = from_torch(to_torch(state))

    assert list(restored) == list(state)
    for key, value in state.items():
        assert isinstance(restored[key], tg.Tensor)
        assert restored[key].dtype == value.dtype
        assert not restored[key].requires_grad
        np.testing.assert_array_equal(restored[key].numpy(), value.numpy())


def test_from_torch_loads_into_module():
    torch = pytest.importorskip("torch")
    torch_layer = torch.nn.Linear(3, 2)
    layer = nn.Linear(3, 2)

    layer.load_state_dict(from_torch(torch_layer.state_dict()))

    expected = torch_layer.weight.detach().numpy()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), expected)


def test_to_torch_loads_into_module():
    torch = pytest.importorskip("torch")
    layer = nn.Linear(3, 2)
    torch_layer = torch.nn.Linear(3, 2)

    torch_layer.load_state_dict(to_torch(layer.state_dict()), strict=True)

    expected = layer.bias.detach().numpy()
    np.testing.assert_array_equal(torch_layer.bias.detach().numpy(), expected)


def test_from_torch_rejects_ndarray():
    pytest.importorskip("torch")

    with pytest.raises(TypeError, match="'bias' is a ndarray"):
        from_torch({"bias": np.zeros(2)})


def test_from_torch_rejects_bfloat16():
    torch = pytest.importorskip("torch")

    with pytest.raises(TypeError, match="cannot convert 'weight'"):
        from_torch({"weight": torch.zeros(2, dtype=torch.bfloat16)})


def test_export_example_matches_torch(capsys):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    spec = importlib.util.spec_from_file_location(
        "export_to_pytorch", EXAMPLES / "export_to_pytorch.py"
    )
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    status = example.main(["--epochs", "1"])

    output = capsys.readouterr().out
    assert status == 0
    assert "max abs logit difference" in output
    assert "same predicted class on all 359 test images: True" in output
