"""The XOR example: one neuron fails, the hidden-layer network learns it."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "xor.py"


def _load():
    spec = importlib.util.spec_from_file_location("xor", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def xor_output():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_xor_network_learns(xor_output):
    assert "network accuracy 100%" in xor_output


@pytest.mark.parametrize(
    "line",
    [
        "x = (0, 0)  target 0  P(1) = 0.000  predicted 0",
        "x = (0, 1)  target 1  P(1) = 1.000  predicted 1",
        "x = (1, 0)  target 1  P(1) = 1.000  predicted 1",
        "x = (1, 1)  target 0  P(1) = 0.000  predicted 0",
    ],
)
def test_xor_network_predictions(xor_output, line):
    assert line in xor_output


def test_xor_neuron_fails(xor_output):
    assert "single neuron: final loss 0.6931" in xor_output


def test_xor_neuron_accuracy_at_most_75():
    xor = _load()
    neuron = xor.nn.Linear(2, 1)

    loss = xor.train(neuron, steps=500, lr=0.1)
    accuracy = xor.report("single neuron", neuron, loss)

    assert accuracy <= 0.75


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_xor_network_learns_other_seeds(seed):
    xor = _load()
    xor.tg.manual_seed(seed)
    network = xor.build_network(4)

    loss = xor.train(network, steps=500, lr=0.1)
    accuracy = xor.report("network", network, loss)

    assert accuracy == 1.0
    assert loss < 0.01


def test_xor_rejects_zero_steps():
    xor = _load()

    with pytest.raises(SystemExit):
        xor.parse_args(["--steps", "0"])


def test_xor_plots_write_png(tmp_path):
    pytest.importorskip("matplotlib")
    xor = _load()

    status = xor.main(["--plots", str(tmp_path)])

    png = tmp_path / xor.PLOT_NAME
    assert status == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
