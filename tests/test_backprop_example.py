"""The backprop-by-hand example runs, agrees with the chain rule and draws."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "backprop_by_hand.py"


@pytest.fixture
def example():
    spec = importlib.util.spec_from_file_location("backprop_by_hand", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("picture")
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out-dir", str(out_dir)],
        capture_output=True,
        text=True,
    )
    return result, out_dir


def test_backprop_example_exits_zero(run):
    result, _ = run
    assert result.returncode == 0, result.stderr


def test_backprop_example_gradients_agree(run):
    result, _ = run
    assert "all 8 gradients agree with the chain rule to 1e-12" in result.stdout


def test_backprop_example_prints_forward(run):
    result, _ = run
    assert "  z1 = [ 0.35, -0.3 ]" in result.stdout
    assert "  L  = 0.161465864826" in result.stdout


def test_backprop_example_prints_trace(run):
    result, _ = run
    lines = [line for line in result.stdout.splitlines() if line.startswith("step ")]
    operations = [line.split()[2] for line in lines]
    assert operations[-4:] == [
        "SigmoidBackward",
        "AffineBackward",
        "SigmoidBackward",
        "AffineBackward",
    ]


def test_backprop_example_writes_picture(run):
    result, out_dir = run
    files = sorted(path.name for path in out_dir.iterdir())
    assert files in (["backprop_by_hand.svg"], ["backprop_by_hand.dot"])
    assert str(out_dir / files[0]) in result.stdout


def test_backprop_example_dot_fallback(example, tmp_path, capsys, monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("render needs the graphviz Python package")

    monkeypatch.setattr(example.viz, "render", missing)
    assert example.main(["--out-dir", str(tmp_path)]) == 0

    dot_file = tmp_path / "backprop_by_hand.dot"
    assert dot_file.read_text().startswith("digraph")
    assert "0.weight" in dot_file.read_text()
    assert "written as DOT text" in capsys.readouterr().out


def test_backprop_example_fails_on_mismatch(example, tmp_path, capsys, monkeypatch):
    correct = example.hand_gradients

    def off_by_a_little(*args):
        gradients = correct(*args)
        gradients["0.bias"] = gradients["0.bias"] + 1e-9
        return gradients

    monkeypatch.setattr(example, "hand_gradients", off_by_a_little)
    assert example.main(["--out-dir", str(tmp_path)]) == 1
    assert "FAILED" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())
