"""The examples run end to end: the grocery perceptron and digit training."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import write_idx

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def grocery_output():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "grocery_perceptron.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    "line",
    [
        "food, weekend, near      score 7: go",
        "no food, weekday, far    score 3: stay",
        "no food, weekday, near   score 5: go",
    ],
)
def test_grocery_perceptron_decisions(grocery_output, line):
    assert line in grocery_output


def test_grocery_neuron_learns_rule(grocery_output):
    assert "agrees with the perceptron on 8 of 8 days" in grocery_output


def test_grocery_perceptron_scores():
    grocery = _load("grocery_perceptron")
    scores, decisions = grocery.perceptron(
        tg.Tensor([[1.0, 0, 1], [0, 1, 0], [0, 1, 1]])
    )
    assert scores.tolist() == [7.0, 3.0, 5.0]
    assert decisions.tolist() == [True, False, True]


def test_short_digits_training_reaches_clear_accuracy(tmp_path, capsys):
    pytest.importorskip("sklearn")
    train_digits = _load("train_digits")
    weights = tmp_path / "digits.npz"

    accuracy = train_digits.main(
        ["--epochs", "5", "--no-progress", "--save", str(weights)]
    )

    assert accuracy > 0.9
    assert "test accuracy:" in capsys.readouterr().out
    assert weights.exists()


def test_saved_digits_weights_reload(tmp_path):
    pytest.importorskip("sklearn")
    train_digits = _load("train_digits")
    weights = tmp_path / "digits.npz"
    trained_accuracy = train_digits.main(
        ["--epochs", "1", "--no-progress", "--save", str(weights)]
    )

    model = train_digits.build_model(64, train_digits.parse_args([]).hidden)
    model.load_state_dict(tg.load(weights))
    data = tg.data.load_digits()

    reloaded = train_digits.accuracy(model, data.x_test, data.y_test)
    assert reloaded == trained_accuracy


def test_hessian_example_agrees_with_full_hessian(capsys):
    hessian = _load("hessian_vector_product")
    hessian.main()
    assert "Hessian is symmetric: True" in capsys.readouterr().out


def test_digits_example_trains_on_mnist_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 40), ("t10k", 20)):
        labels = np.arange(count, dtype=np.uint8) % 10
        images = rng.integers(0, 50, (count, 28, 28)).astype(np.uint8)
        images[np.arange(count), labels, :] = 255  # A learnable bright row.
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", labels)
    train_digits = _load("train_digits")

    accuracy = train_digits.main(
        ["--mnist", str(tmp_path), "--epochs", "10", "--no-progress", "--save", ""]
    )

    assert "40 training and 20 test images of 784 pixels" in capsys.readouterr().out
    assert accuracy >= 0.9


PLOT_FILES = [
    "training_curves.png",
    "first_layer_weights.png",
    "confusion_matrix.png",
    "mistakes.png",
]


def test_digits_example_saves_plots(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    monkeypatch.syspath_prepend(str(EXAMPLES))  # as when run as a script
    train_digits = _load("train_digits")
    plots = tmp_path / "plots"

    train_digits.main(
        ["--epochs", "2", "--no-progress", "--save", "", "--plots", str(plots)]
    )

    assert sorted(p.name for p in plots.iterdir()) == sorted(PLOT_FILES)
    for name in PLOT_FILES:
        assert (plots / name).stat().st_size > 1000


def test_digits_history_has_one_entry_per_epoch():
    pytest.importorskip("sklearn")
    train_digits = _load("train_digits")
    args = train_digits.parse_args(["--epochs", "3", "--no-progress"])

    _, history = train_digits.train(args, tg.data.load_digits())

    assert history["epoch"] == [1, 2, 3]
    for key in ("train_loss", "train_accuracy", "test_accuracy"):
        assert len(history[key]) == 3
    assert all(0 <= value <= 1 for value in history["train_accuracy"])


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--lr", "-1"], "--lr must be positive"),
    ],
)
def test_digits_example_rejects_bad_options(arguments, fragment, capsys):
    train_digits = _load("train_digits")

    with pytest.raises(SystemExit):
        train_digits.parse_args(arguments)

    assert fragment in capsys.readouterr().err


def test_digits_plots_directory_checked_first(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.syspath_prepend(str(EXAMPLES))  # as when run as a script
    train_digits = _load("train_digits")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    with pytest.raises(SystemExit):
        train_digits.parse_args(["--plots", str(blocker / "plots")])

    assert "cannot create the directory" in capsys.readouterr().err
