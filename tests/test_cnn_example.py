"""The convolutional digits example trains, saves and reloads its weights."""

import importlib.util
from pathlib import Path

import pytest

import tinygrad_edu as tg

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_digits_cnn.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("train_digits_cnn", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Run the example for 2 epochs and return it, its weights path and accuracy."""
    pytest.importorskip("sklearn")
    example = _load_example()
    weights = tmp_path_factory.mktemp("cnn") / "digits_cnn.npz"
    accuracy = example.main(["--epochs", "2", "--no-progress", "--save", str(weights)])
    return example, weights, accuracy


def test_cnn_example_reaches_clear_accuracy(trained):
    _, _, accuracy = trained
    assert accuracy > 0.8


def test_cnn_example_saves_weights(trained):
    _, weights, _ = trained
    assert weights.exists()


def test_cnn_example_prints_final_line(capsys):
    pytest.importorskip("sklearn")
    example = _load_example()
    example.main(["--epochs", "1", "--no-progress", "--save", ""])
    assert "test accuracy:" in capsys.readouterr().out


def test_cnn_example_saves_plots(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))  # as when run as a script
    example = _load_example()
    plots = tmp_path / "plots"

    example.main(
        ["--epochs", "1", "--no-progress", "--save", "", "--plots", str(plots)]
    )

    names = sorted(path.name for path in plots.iterdir())
    assert names == [
        "confusion_matrix.png",
        "first_layer_weights.png",
        "mistakes.png",
        "training_curves.png",
    ]


def test_cnn_weights_reload_same_accuracy(trained):
    example, weights, trained_accuracy = trained
    model = example.build_model()
    model.load_state_dict(tg.load(weights))
    data = example.load_images()

    reloaded = example.accuracy(model, data.x_test, data.y_test)
    assert reloaded == trained_accuracy


def test_cnn_model_output_shape():
    example = _load_example()
    model = example.build_model()
    images = tg.zeros(5, 1, 8, 8)
    assert model(images).shape == (5, 10)


def test_cnn_example_rejects_bad_label_smoothing(capsys):
    example = _load_example()

    with pytest.raises(SystemExit):
        example.parse_args(["--label-smoothing", "1.5"])

    assert "--label-smoothing must be between 0 and 1" in capsys.readouterr().err
