"""Matplotlib figures for the digits examples, each saved as a PNG.

The functions take NumPy arrays and write one figure each: the training
curves, the first layer's weights as small images, the confusion matrix and
a grid of misclassified images. ``save_all`` writes all four into one
directory under fixed file names.

matplotlib is an optional dependency (the ``examples`` extra), so this module
imports it only inside the functions, with the non-interactive Agg backend.
Every ``save_*`` function raises ImportError when matplotlib is missing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

TRAINING_CURVES_NAME = "training_curves.png"
WEIGHT_IMAGES_NAME = "first_layer_weights.png"
CONFUSION_MATRIX_NAME = "confusion_matrix.png"
MISTAKES_NAME = "mistakes.png"

_DPI = 100

# Integer class labels of shape (N,), as an array or a list.
Labels = np.ndarray | Sequence[int]


def _pyplot() -> Any:
    """Import matplotlib with the Agg backend and return ``matplotlib.pyplot``.

    Raises:
        ImportError: if matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "saving plots needs matplotlib, which is not installed. Run "
            'pip install matplotlib or pip install "tinygrad-edu[examples]"'
        ) from error

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``figure`` to ``path`` as a PNG, creating missing parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=_DPI)
    return path


def _grid_shape(count: int, max_columns: int) -> tuple[int, int]:
    """Return (rows, columns) of a near-square grid with room for ``count`` cells."""
    columns = min(max_columns, max(1, math.ceil(math.sqrt(count))))
    return math.ceil(count / columns), columns


# Training curves


def _check_history(history: Mapping[str, Sequence[float]]) -> int:
    """Validate ``history`` for ``save_training_curves`` and return its length."""
    unknown = [
        key
        for key in history
        if key != "epoch" and not key.endswith(("_loss", "_accuracy"))
    ]
    if unknown:
        raise ValueError(
            f"save_training_curves: unknown history keys {unknown}. Use 'epoch' "
            "and names ending in '_loss' or '_accuracy', such as 'train_loss'"
        )
    if not any(key != "epoch" for key in history):
        raise ValueError(
            "save_training_curves: history contains no '_loss' or '_accuracy' "
            f"series, only the keys {list(history)}"
        )

    lengths = {key: len(values) for key, values in history.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(
            "save_training_curves: every history list must have one entry per "
            f"epoch, but the lengths are {lengths}"
        )
    length = next(iter(lengths.values()))
    if length == 0:
        raise ValueError("save_training_curves: history lists are empty")

    for key, values in history.items():
        if key.endswith("_accuracy"):
            accuracy = np.asarray(values, dtype=np.float64)
            if np.any((accuracy < 0) | (accuracy > 1)):
                raise ValueError(
                    f"save_training_curves: {key} must be fractions in [0, 1], "
                    f"got values from {accuracy.min()} to {accuracy.max()}. "
                    "Divide percentages by 100"
                )
    return length


def _plot_series(
    axis: Any,
    epochs: np.ndarray,
    history: Mapping[str, Sequence[float]],
    suffix: str,
    scale: float,
) -> None:
    """Draw each series of ``history`` whose key ends in ``suffix`` on ``axis``."""
    keys = [key for key in history if key.endswith(suffix)]
    if not keys:
        axis.text(0.5, 0.5, "not recorded", ha="center", va="center")
        axis.set(xticks=[], yticks=[])
        return

    marker = "o" if len(epochs) <= 30 else None
    for key in keys:
        values = np.asarray(history[key], dtype=np.float64) * scale
        axis.plot(epochs, values, marker=marker, label=key.removesuffix(suffix))
    axis.legend()


def save_training_curves(
    history: Mapping[str, Sequence[float]], path: str | os.PathLike[str]
) -> Path:
    """Plot loss and accuracy per epoch in two panels and save them as a PNG.

    Args:
        history: a dict of equal-length lists, one entry per epoch. ``"epoch"``
            (optional, default 1, 2, ...) gives the x values. Keys ending in
            ``"_loss"``, such as ``"train_loss"``, go to the left panel. Keys
            ending in ``"_accuracy"``, such as ``"train_accuracy"``,
            ``"validation_accuracy"`` or ``"test_accuracy"``, hold fractions
            in [0, 1] and go to the right panel in percent.
        path: where to write the PNG.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if a key is unknown, the lists differ in length or are
            empty, or an accuracy lies outside [0, 1].
    """
    length = _check_history(history)
    epochs = np.asarray(history.get("epoch", range(1, length + 1)))
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    figure, (loss_axis, accuracy_axis) = plt.subplots(
        1, 2, figsize=(10, 4), layout="constrained"
    )
    try:
        _plot_series(loss_axis, epochs, history, "_loss", scale=1.0)
        loss_axis.set(title="loss", xlabel="epoch", ylabel="cross-entropy loss")
        _plot_series(accuracy_axis, epochs, history, "_accuracy", scale=100.0)
        accuracy_axis.set(title="accuracy", xlabel="epoch", ylabel="accuracy (%)")
        for axis in (loss_axis, accuracy_axis):
            if axis.lines:
                # Whole epochs only. A lone epoch gets a single tick, because the
                # locator would split its narrow default range into fractions.
                if length == 1:
                    axis.set_xticks(epochs)
                else:
                    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
                axis.grid(alpha=0.3)
        return _save(figure, path)
    finally:
        plt.close(figure)


# First-layer weights


def _as_weight_images(weights: np.ndarray) -> np.ndarray:
    """Return finite float64 weights of shape (units, H, W), or raise ValueError."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim == 4 and weights.shape[1] == 1:
        weights = weights[:, 0]
    if weights.ndim != 3 or weights.shape[0] == 0:
        raise ValueError(
            "save_weight_images: weights must have shape (units, H, W) with "
            f"units >= 1, got {weights.shape}. Reshape a Linear weight of shape "
            "(hidden, 64) with .reshape(hidden, 8, 8)"
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            "save_weight_images: weights contain NaN or infinite values, so "
            "training probably diverged. Try a smaller learning rate"
        )
    return weights


def save_weight_images(
    weights: np.ndarray, path: str | os.PathLike[str], title: str
) -> Path:
    """Draw each unit's weights as a small image and save the grid as a PNG.

    All images share one color scale, symmetric about 0: red is positive,
    blue is negative and white is 0. One colorbar shows the scale.

    Args:
        weights: array of shape (units, H, W), such as an MLP's first Linear
            weight (hidden, 64) reshaped to (hidden, 8, 8), or a CNN's first
            convolution kernels (out_channels, 1, k, k) squeezed to
            (out_channels, k, k). Shape (units, 1, H, W) is also accepted.
        path: where to write the PNG.
        title: the figure's title.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if ``weights`` has another shape, no units, or a NaN or
            infinite value.
    """
    weights = _as_weight_images(weights)
    limit = float(np.abs(weights).max()) or 1.0
    rows, columns = _grid_shape(len(weights), max_columns=16)
    plt = _pyplot()

    figure, axes = plt.subplots(
        rows,
        columns,
        figsize=(1.0 * columns + 1.2, 1.0 * rows + 0.6),
        layout="constrained",
        squeeze=False,
    )
    try:
        for index, axis in enumerate(axes.flat):
            axis.set_axis_off()
            if index < len(weights):
                image = axis.imshow(
                    weights[index],
                    cmap="RdBu_r",
                    vmin=-limit,
                    vmax=limit,
                    interpolation="nearest",
                )
        figure.colorbar(image, ax=axes, shrink=0.8, label="weight")
        figure.suptitle(title)
        return _save(figure, path)
    finally:
        plt.close(figure)


# Confusion matrix


def _as_labels(name: str, labels: Labels) -> np.ndarray:
    """Return ``labels`` as a 1-D int64 array, or raise naming ``name``."""
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} must contain integer class labels, got dtype {array.dtype}. "
            "Take the argmax of logits before passing predictions"
        )
    return array.astype(np.int64)


def _check_label_pair(
    operation: str, y_true: Labels, y_pred: Labels
) -> tuple[np.ndarray, np.ndarray]:
    """Convert both label arrays with ``_as_labels`` and check equal lengths."""
    true_labels = _as_labels(f"{operation}: y_true", y_true)
    predicted_labels = _as_labels(f"{operation}: y_pred", y_pred)
    if len(true_labels) != len(predicted_labels):
        raise ValueError(
            f"{operation}: y_true and y_pred must have the same length, got "
            f"{len(true_labels)} and {len(predicted_labels)}"
        )
    return true_labels, predicted_labels


def confusion_matrix(
    y_true: Labels,
    y_pred: Labels,
    num_classes: int,
) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    ``matrix[t, p]`` is the number of samples with true class ``t`` and
    predicted class ``p``, so the diagonal counts the correct predictions and
    each row sums to the number of samples of that class.

    Args:
        y_true: integer labels of shape (N,), each in 0..num_classes-1.
        y_pred: integer predictions of shape (N,), each in 0..num_classes-1.
        num_classes: number of classes, at least 1.

    Returns:
        int64 array of shape (num_classes, num_classes): rows are true classes
        and columns are predicted classes.

    Raises:
        ValueError: if the arrays are not 1-D integer arrays of the same
            length, ``num_classes`` is below 1, or a label is outside
            0..num_classes-1.
    """
    y_true, y_pred = _check_label_pair("confusion_matrix", y_true, y_pred)
    if num_classes < 1:
        raise ValueError(
            f"confusion_matrix: num_classes must be >= 1, got {num_classes}"
        )
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        outside = labels[(labels < 0) | (labels >= num_classes)]
        if outside.size:
            raise ValueError(
                f"confusion_matrix: {name} contains labels outside "
                f"0..{num_classes - 1}, such as {outside[0]}. Pass a larger "
                "num_classes or fix the labels"
            )

    flat_index = y_true * num_classes + y_pred
    counts = np.bincount(flat_index, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def save_confusion_matrix(
    y_true: Labels,
    y_pred: Labels,
    path: str | os.PathLike[str],
    num_classes: int = 10,
) -> Path:
    """Draw the confusion matrix with a count in each cell and save it as a PNG.

    Rows are the true classes and columns the predicted classes. The title
    gives the overall accuracy, the trace divided by the number of samples.

    Args:
        y_true: integer labels of shape (N,).
        y_pred: integer predictions of shape (N,).
        path: where to write the PNG.
        num_classes: number of classes; labels must lie in 0..num_classes-1.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: as ``confusion_matrix`` raises.
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes)
    total = int(matrix.sum())
    correct = int(np.trace(matrix))
    if total:
        title = f"accuracy {correct / total:.1%} ({correct} of {total} correct)"
    else:
        title = "no samples"
    plt = _pyplot()
    from matplotlib.colors import Normalize

    side = 1.5 + 0.5 * num_classes
    figure, axis = plt.subplots(figsize=(side + 1.0, side), layout="constrained")
    try:
        colormap = plt.get_cmap("Blues")
        norm = Normalize(vmin=0, vmax=max(int(matrix.max()), 1))
        image = axis.imshow(matrix, cmap=colormap, norm=norm)
        for (row, column), count in np.ndenumerate(matrix):
            axis.text(
                column,
                row,
                str(count),
                ha="center",
                va="center",
                color=_text_color(colormap(norm(count)), count),
                fontsize=9,
            )
        ticks = np.arange(num_classes)
        axis.set(
            xticks=ticks, yticks=ticks, xlabel="predicted", ylabel="true", title=title
        )
        figure.colorbar(image, ax=axis, shrink=0.8, label="count")
        return _save(figure, path)
    finally:
        plt.close(figure)


def _text_color(background: Sequence[float], count: int) -> str:
    """Return a text color readable on an RGBA ``background`` color."""
    red, green, blue = background[:3]
    # Luma: the ITU-R BT.709 weights applied to the gamma-encoded sRGB values
    # that colormaps return, from 0 (black) to 1 (white).
    luma = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    if luma < 0.5:
        return "white"
    return "0.6" if count == 0 else "black"


# Misclassified images


def misclassified_indices(
    y_true: Labels,
    y_pred: Labels,
    max_images: int | None = None,
) -> np.ndarray:
    """Return the indices where ``y_pred`` differs from ``y_true``, in order.

    Args:
        y_true: integer labels of shape (N,).
        y_pred: integer predictions of shape (N,).
        max_images: the number of leading indices to keep, or None for all.

    Returns:
        int64 array of shape (M,), increasing, M <= N.

    Raises:
        ValueError: if the arrays differ in length or are not 1-D integer
            arrays, or ``max_images`` is negative.
    """
    y_true, y_pred = _check_label_pair("misclassified_indices", y_true, y_pred)
    if max_images is not None and max_images < 0:
        raise ValueError(
            f"misclassified_indices: max_images must be >= 0, got {max_images}"
        )
    indices = np.flatnonzero(y_true != y_pred).astype(np.int64)
    return indices[:max_images]


def _as_square_images(images: np.ndarray) -> np.ndarray:
    """Reshape (N, H, W), (N, 1, H, W) or (N, D) with square D to (N, H, W)."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[1] == 1:
        return images[:, 0]
    if images.ndim == 3:
        return images
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side == images.shape[1]:
            # Rows of D pixels are row-major images, as load_digits returns them.
            return images.reshape(len(images), side, side)
    raise ValueError(
        "save_mistakes: images must have shape (N, H, W), (N, 1, H, W) or "
        f"(N, H * W) with H == W, got {images.shape}"
    )


def _check_mistakes_inputs(
    images: np.ndarray, y_true: Labels, y_pred: Labels, max_images: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return images of shape (N, H, W) and both label arrays, or raise."""
    square_images = _as_square_images(images)
    true_labels, predicted_labels = _check_label_pair("save_mistakes", y_true, y_pred)
    if len(square_images) != len(true_labels):
        raise ValueError(
            f"save_mistakes: got {len(square_images)} images but "
            f"{len(true_labels)} labels"
        )
    if max_images < 1:
        raise ValueError(f"save_mistakes: max_images must be >= 1, got {max_images}")
    return square_images, true_labels, predicted_labels


def save_mistakes(
    images: np.ndarray,
    y_true: Labels,
    y_pred: Labels,
    path: str | os.PathLike[str],
    max_images: int = 36,
) -> Path:
    """Show the first misclassified images in a grid and save it as a PNG.

    Images are drawn in gray, dark ink on a light background, each with
    "predicted P, true T" under it. When every prediction is right, the
    figure contains only a line of text stating that.

    Args:
        images: pixels of shape (N, 8, 8), (N, 1, 8, 8) or (N, 64), where the
            64 pixels of a row are a row-major 8x8 image. Other square sizes,
            such as (N, 784) for MNIST, work the same way.
        y_true: integer labels of shape (N,).
        y_pred: integer predictions of shape (N,).
        path: where to write the PNG.
        max_images: the maximum number of images to show, at least 1.

    Returns:
        ``path`` as a ``Path``.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if the shapes do not match or ``max_images`` is below 1.
    """
    images, y_true, y_pred = _check_mistakes_inputs(images, y_true, y_pred, max_images)
    total_mistakes = int(np.count_nonzero(y_true != y_pred))
    shown_indices = misclassified_indices(y_true, y_pred, max_images)
    plt = _pyplot()

    if not len(shown_indices):
        figure = plt.figure(figsize=(5, 1.5))
    else:
        rows, columns = _grid_shape(len(shown_indices), max_columns=8)
        # At least 4 inches wide, so the title fits above a single image.
        width = max(1.6 * columns, 4.0)
        figure = plt.figure(figsize=(width, 1.8 * rows + 0.5), layout="constrained")
    try:
        if not len(shown_indices):
            figure.text(
                0.5,
                0.5,
                f"no misclassified images: all {len(y_true)} predictions are correct",
                ha="center",
                va="center",
            )
        else:
            axes = figure.subplots(rows, columns, squeeze=False)
            _draw_mistakes(axes, images, y_true, y_pred, shown_indices)
            title = f"{total_mistakes} of {len(y_true)} images misclassified"
            if len(shown_indices) < total_mistakes:
                title += f", the first {len(shown_indices)} shown"
            figure.suptitle(title)
        return _save(figure, path)
    finally:
        plt.close(figure)


def _draw_mistakes(
    axes: np.ndarray,
    images: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    shown_indices: np.ndarray,
) -> None:
    """Draw ``images[shown_indices]`` on ``axes`` and hide the spare axes."""
    for axis in axes.flat:
        axis.set_axis_off()

    # One gray scale for all images, so faint and bold strokes stay comparable.
    pixel_min, pixel_max = float(images.min()), float(images.max())
    for axis, index in zip(axes.flat, shown_indices, strict=False):
        # imshow puts row 0 at the top, so a row-major image appears upright.
        axis.imshow(
            images[index],
            cmap="gray_r",
            vmin=pixel_min,
            vmax=pixel_max,
            interpolation="nearest",
        )
        axis.set_axis_on()
        axis.set(xticks=[], yticks=[])
        axis.set_xlabel(f"predicted {y_pred[index]}, true {y_true[index]}", fontsize=8)


def prepare_directory(directory: str | os.PathLike[str]) -> Path:
    """Create ``directory`` and check that matplotlib can be imported.

    The examples call this before training, so that a mistake in ``--plots``
    stops them at once rather than after training.

    Raises:
        ImportError: if matplotlib is not installed.
        OSError: if the directory cannot be created.
    """
    _pyplot()
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the directory {str(path)!r}: {error}") from error
    return path


def save_all(
    directory: str | os.PathLike[str],
    *,
    history: Mapping[str, Sequence[float]],
    first_layer_weights: np.ndarray,
    weights_title: str,
    images: np.ndarray,
    y_true: Labels,
    y_pred: Labels,
    num_classes: int = 10,
) -> list[Path]:
    """Write the four figures of a trained classifier into ``directory``.

    ``directory`` and its missing parents are created. The files are
    training_curves.png, first_layer_weights.png, confusion_matrix.png and
    mistakes.png, and existing files of those names are replaced. All inputs
    are checked before the first file is written, so a ValueError leaves the
    directory unchanged.

    Args:
        directory: the folder to write into.
        history: per-epoch lists, as ``save_training_curves`` takes them.
        first_layer_weights: array of shape (units, H, W), as
            ``save_weight_images`` takes it.
        weights_title: title of the weights figure.
        images: test images of shape (N, H, W), (N, 1, H, W) or (N, H * W).
        y_true: integer labels of the test images, shape (N,).
        y_pred: integer predictions for the test images, shape (N,).
        num_classes: number of classes for the confusion matrix.

    Returns:
        The four paths, in the order listed above.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: as the ``save_*`` functions raise.
    """
    _check_history(history)
    _as_weight_images(first_layer_weights)
    confusion_matrix(y_true, y_pred, num_classes)
    _check_mistakes_inputs(images, y_true, y_pred, max_images=1)

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [
        save_training_curves(history, directory / TRAINING_CURVES_NAME),
        save_weight_images(
            first_layer_weights, directory / WEIGHT_IMAGES_NAME, weights_title
        ),
        save_confusion_matrix(
            y_true, y_pred, directory / CONFUSION_MATRIX_NAME, num_classes
        ),
        save_mistakes(images, y_true, y_pred, directory / MISTAKES_NAME),
    ]
