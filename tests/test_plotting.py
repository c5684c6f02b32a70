"""The plotting helpers of the digits examples: confusion matrix and PNG files."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("matplotlib")
from matplotlib.image import imread  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "plotting.py"


def _load():
    spec = importlib.util.spec_from_file_location("plotting", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plotting = _load()


def _read_png(path):
    """Read the PNG at ``path``, check its size and contrast, return its pixels.

    The pixels have shape (H, W, channels).
    """
    assert Path(path).exists()
    pixels = imread(path)
    assert pixels.ndim == 3
    height, width = pixels.shape[:2]
    assert 100 <= height <= 3000
    assert 100 <= width <= 3000
    assert np.ptp(pixels[..., :3]) > 0, "the image is a single flat colour"
    return pixels


@st.composite
def _label_pairs(draw):
    num_classes = draw(st.integers(1, 12))
    length = draw(st.integers(0, 60))
    labels = st.lists(st.integers(0, num_classes - 1), min_size=length, max_size=length)
    return np.array(draw(labels)), np.array(draw(labels)), num_classes


@given(_label_pairs())
def test_confusion_matrix_matches_loop(pair):
    y_true, y_pred, num_classes = pair
    expected = np.zeros((num_classes, num_classes), dtype=np.int64)
    for true, predicted in zip(y_true, y_pred, strict=True):
        expected[true, predicted] += 1

    matrix = plotting.confusion_matrix(y_true, y_pred, num_classes)

    assert matrix.dtype == np.int64
    assert matrix.shape == (num_classes, num_classes)
    np.testing.assert_array_equal(matrix, expected)


def test_confusion_matrix_rows_are_true_class():
    matrix = plotting.confusion_matrix([0, 0, 1], [1, 1, 1], num_classes=2)
    np.testing.assert_array_equal(matrix, [[0, 2], [0, 1]])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "num_classes", "message"),
    [
        ([0, 1, 2], [0, 1], 3, "same length, got 3 and 2"),
        ([0, 3], [0, 1], 3, r"y_true contains labels outside 0\.\.2, such as 3"),
        ([0, 1], [0, -1], 3, r"y_pred contains labels outside 0\.\.2, such as -1"),
        ([0.0, 1.0], [0, 1], 3, "integer class labels, got dtype float64"),
        ([[0, 1]], [[0, 1]], 3, r"must be 1-D, got shape \(1, 2\)"),
        ([0], [0], 0, "num_classes must be >= 1, got 0"),
    ],
)
def test_confusion_matrix_errors(y_true, y_pred, num_classes, message):
    with pytest.raises(ValueError, match=message):
        plotting.confusion_matrix(y_true, y_pred, num_classes)


def test_misclassified_indices_in_order():
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 2, 2, 0, 4, 1])

    np.testing.assert_array_equal(
        plotting.misclassified_indices(y_true, y_pred), [1, 3, 5]
    )
    np.testing.assert_array_equal(
        plotting.misclassified_indices(y_true, y_pred, max_images=2), [1, 3]
    )


def test_misclassified_indices_none_wrong():
    indices = plotting.misclassified_indices([3, 1], [3, 1])
    assert indices.shape == (0,)


def test_misclassified_indices_rejects_negative_max():
    with pytest.raises(ValueError, match="max_images must be >= 0, got -1"):
        plotting.misclassified_indices([0], [1], max_images=-1)


@pytest.fixture
def history():
    return {
        "epoch": [1, 2, 3],
        "train_loss": [1.5, 0.6, 0.3],
        "train_accuracy": [0.6, 0.85, 0.93],
        "test_accuracy": [0.55, 0.8, 0.9],
    }


def test_save_training_curves_writes_png(tmp_path, history):
    path = plotting.save_training_curves(history, tmp_path / "curves.png")
    assert path == tmp_path / "curves.png"
    _read_png(path)


def test_save_training_curves_single_epoch(tmp_path):
    path = plotting.save_training_curves({"train_loss": [0.7]}, tmp_path / "c.png")
    _read_png(path)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ({"train_loss": [1.0, 0.5], "test_accuracy": [0.5]}, "lengths are"),
        ({"train_loss": [1.0], "lr": [0.1]}, r"unknown history keys \['lr'\]"),
        ({"train_loss": [], "test_accuracy": []}, "history lists are empty"),
        ({"epoch": [1]}, "no '_loss' or '_accuracy' series"),
        ({"test_accuracy": [0.5, 95.0]}, "fractions in"),
    ],
)
def test_save_training_curves_errors(tmp_path, history, message):
    with pytest.raises(ValueError, match=message):
        plotting.save_training_curves(history, tmp_path / "curves.png")
    assert not (tmp_path / "curves.png").exists()


def test_save_weight_images_writes_png(tmp_path, rng):
    weights = rng.normal(size=(5, 8, 8))
    path = plotting.save_weight_images(weights, tmp_path / "w.png", "first layer")
    _read_png(path)


def test_save_weight_images_accepts_channel_axis(tmp_path, rng):
    kernels = rng.normal(size=(4, 1, 3, 3))
    squeezed = plotting.save_weight_images(kernels[:, 0], tmp_path / "a.png", "k")
    with_channel = plotting.save_weight_images(kernels, tmp_path / "b.png", "k")
    np.testing.assert_array_equal(_read_png(with_channel), _read_png(squeezed))


def test_save_weight_images_all_zero(tmp_path):
    path = plotting.save_weight_images(np.zeros((2, 3, 3)), tmp_path / "w.png", "t")
    _read_png(path)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.zeros((4, 64)), r"shape \(units, H, W\).*got \(4, 64\)"),
        (np.zeros((0, 8, 8)), r"units >= 1, got \(0, 8, 8\)"),
        (np.full((1, 2, 2), np.nan), "NaN or infinite"),
    ],
)
def test_save_weight_images_errors(tmp_path, weights, message):
    with pytest.raises(ValueError, match=message):
        plotting.save_weight_images(weights, tmp_path / "w.png", "title")


def test_save_confusion_matrix_writes_png(tmp_path, rng):
    y_true = rng.integers(0, 10, size=50)
    y_pred = np.where(rng.random(50) < 0.8, y_true, rng.integers(0, 10, size=50))
    path = plotting.save_confusion_matrix(y_true, y_pred, tmp_path / "cm.png")
    _read_png(path)


def test_save_confusion_matrix_no_samples(tmp_path):
    empty = np.array([], dtype=np.int64)
    path = plotting.save_confusion_matrix(empty, empty, tmp_path / "cm.png", 3)
    _read_png(path)


@pytest.fixture
def digits(rng):
    """Return 12 random 8x8 images as rows of 64 pixels, labels and predictions."""
    images = rng.random((12, 64)).astype(np.float32)
    y_true = np.arange(12) % 10
    y_pred = y_true.copy()
    y_pred[[2, 5, 7]] = (y_true[[2, 5, 7]] + 1) % 10
    return images, y_true, y_pred


def test_save_mistakes_writes_png(tmp_path, digits):
    images, y_true, y_pred = digits
    path = plotting.save_mistakes(images, y_true, y_pred, tmp_path / "m.png")
    _read_png(path)


def test_save_mistakes_image_shapes_agree(tmp_path, digits):
    images, y_true, y_pred = digits
    flat = plotting.save_mistakes(images, y_true, y_pred, tmp_path / "flat.png")
    square = plotting.save_mistakes(
        images.reshape(12, 8, 8), y_true, y_pred, tmp_path / "square.png"
    )
    channel = plotting.save_mistakes(
        images.reshape(12, 1, 8, 8), y_true, y_pred, tmp_path / "channel.png"
    )

    np.testing.assert_array_equal(_read_png(square), _read_png(flat))
    np.testing.assert_array_equal(_read_png(channel), _read_png(flat))


def test_save_mistakes_without_mistakes(tmp_path, digits):
    images, y_true, _ = digits
    path = plotting.save_mistakes(images, y_true, y_true, tmp_path / "m.png")
    _read_png(path)


@pytest.mark.parametrize(
    ("shape", "labels", "max_images", "message"),
    [
        ((12, 63), 12, 36, r"H == W, got \(12, 63\)"),
        ((11, 64), 12, 36, "got 11 images but 12 labels"),
        ((12, 64), 12, 0, "max_images must be >= 1, got 0"),
    ],
)
def test_save_mistakes_errors(tmp_path, shape, labels, max_images, message):
    images = np.zeros(shape, dtype=np.float32)
    y_true = np.zeros(labels, dtype=np.int64)
    y_pred = np.ones(labels, dtype=np.int64)
    with pytest.raises(ValueError, match=message):
        plotting.save_mistakes(images, y_true, y_pred, tmp_path / "m.png", max_images)


def test_save_all_creates_nested_directory(tmp_path, rng, history, digits):
    images, y_true, y_pred = digits
    directory = tmp_path / "a" / "b" / "plots"

    paths = plotting.save_all(
        directory,
        history=history,
        first_layer_weights=rng.normal(size=(4, 8, 8)),
        weights_title="first layer",
        images=images,
        y_true=y_true,
        y_pred=y_pred,
    )

    names = [path.name for path in paths]
    assert names == [
        "training_curves.png",
        "first_layer_weights.png",
        "confusion_matrix.png",
        "mistakes.png",
    ]
    for path in paths:
        assert path.parent == directory
        _read_png(path)


def test_save_all_checks_before_writing(tmp_path, rng, history, digits):
    images, y_true, y_pred = digits
    directory = tmp_path / "plots"

    with pytest.raises(ValueError, match="got 11 images but 12 labels"):
        plotting.save_all(
            directory,
            history=history,
            first_layer_weights=rng.normal(size=(4, 8, 8)),
            weights_title="first layer",
            images=images[:11],
            y_true=y_true,
            y_pred=y_pred,
        )
    assert not directory.exists()


def test_module_imports_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    module = _load()
    assert callable(module.save_all)


def test_missing_matplotlib_names_install(tmp_path, monkeypatch, history):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plotting.save_training_curves(history, tmp_path / "curves.png")
    assert not (tmp_path / "curves.png").exists()


def test_prepare_directory_creates_parents(tmp_path):
    target = tmp_path / "a" / "b"

    assert plotting.prepare_directory(target) == target
    assert target.is_dir()


def test_prepare_directory_needs_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    with pytest.raises(ImportError, match="pip install matplotlib"):
        plotting.prepare_directory(tmp_path / "plots")
    assert not (tmp_path / "plots").exists()


def test_prepare_directory_under_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    with pytest.raises(OSError, match="cannot create the directory"):
        plotting.prepare_directory(blocker / "plots")
