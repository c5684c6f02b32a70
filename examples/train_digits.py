"""Train a small neural network on real handwritten digits.

The network is 64 -> hidden (sigmoid) -> 10: each 8x8 scan from scikit-learn's
bundled digits is flattened to 64 pixel values, standardised with statistics
of the training set, a hidden layer of sigmoid units computes features, and
the last layer scores the ten classes. Training minimises the cross-entropy by
SGD with momentum; tinygrad_edu derives every gradient by backpropagation.

The default settings were chosen on a validation split carved out of the
training images, never on the test images. With ``--plots DIR`` the script
saves the loss and accuracy curves, the first layer's weights as images, the
confusion matrix and the misclassified test digits as PNG files in DIR
(needs matplotlib).

Run: python examples/train_digits.py            (the 1,797 bundled digits)
     python examples/train_digits.py --mnist DIR (MNIST IDX files in DIR)
     python examples/train_digits.py --plots plots
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Sequence

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.data import DataLoader, Split, TensorDataset, load_digits, load_mnist
from tinygrad_edu.nn import functional as F

try:
    from tqdm import tqdm
except ImportError:  # The progress bar is optional.
    tqdm = None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="passes over the data")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for init and shuffling"
    )
    parser.add_argument(
        "--save", default="digits_mlp.npz", help="where to write the trained weights"
    )
    parser.add_argument(
        "--mnist", metavar="DIR", help="train on the MNIST IDX files in DIR instead"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="hide the per-epoch progress bar"
    )
    parser.add_argument(
        "--plots", metavar="DIR", help="save training plots as PNG files in DIR"
    )
    args = parser.parse_args(argv)
    for option in ("epochs", "hidden", "batch_size"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    if not args.lr > 0:
        parser.error(f"--lr must be positive, got {args.lr}")
    if args.plots:
        import plotting  # examples/plotting.py, beside this script

        try:
            plotting.prepare_directory(args.plots)
        except (ImportError, OSError) as error:
            parser.error(f"--plots: {error}")
    return args


class Standardize(nn.Module):
    """Shift each input feature to mean 0 and divide it by (std + 1).

    The mean and std come from the training set and are stored as buffers,
    so they are saved with the weights. Adding 1 to the std keeps pixels
    that are almost always blank, such as the borders, from being scaled up.

    Shape:
        input (N, features) -> output (N, features).
    """

    def __init__(self, features: int) -> None:
        super().__init__()
        self.register_buffer("mean", Tensor(np.zeros(features, dtype=np.float32)))
        self.register_buffer("scale", Tensor(np.ones(features, dtype=np.float32)))

    def fit(self, x: np.ndarray) -> None:
        """Set the mean and scale from the rows of ``x``."""
        self.mean.copy_(Tensor(x.mean(axis=0)))
        self.scale.copy_(Tensor(1 / (x.std(axis=0) + 1)))

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) * self.scale


def build_model(inputs: int, hidden: int, classes: int = 10) -> nn.Sequential:
    """Return the network: Standardize, Linear, Sigmoid, Linear (the logits)."""
    return nn.Sequential(
        Standardize(inputs),
        nn.Linear(inputs, hidden),
        nn.Sigmoid(),
        nn.Linear(hidden, classes),
    )


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Return the predicted class of each row of ``x``, an int64 array."""
    model.eval()
    with no_grad():
        predictions = model(Tensor(x)).argmax(dim=1).numpy()
    model.train()
    return predictions


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Return the fraction of rows of ``x`` whose predicted class is ``y``."""
    return float(np.mean(predict(model, x) == y))


def train_epoch(
    model: nn.Module, optimizer: optim.Optimizer, batches: Iterable[Sequence[Tensor]]
) -> float:
    """Run one pass of SGD and return the mean training loss."""
    total, count = 0.0, 0
    for images, labels in batches:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
    return total / count


def train(
    args: argparse.Namespace, data: Split
) -> tuple[nn.Module, dict[str, list[float]]]:
    """Train a model on ``data`` with the settings in ``args``.

    Returns the model and its history: for each epoch, the mean training
    loss and the accuracy on the training and test images.
    """
    tg.manual_seed(args.seed)
    model = build_model(data.x_train.shape[1], args.hidden)
    model[0].fit(data.x_train)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loader = DataLoader(
        TensorDataset(data.x_train, data.y_train),
        batch_size=args.batch_size,
        shuffle=True,
        generator=tg.Generator().manual_seed(args.seed),
    )

    history: dict[str, list[float]] = {
        "epoch": [],
        "train_loss": [],
        "train_accuracy": [],
        "test_accuracy": [],
    }
    for epoch in range(1, args.epochs + 1):
        batches: Iterable[Sequence[Tensor]] = loader
        if tqdm is not None and not args.no_progress:
            batches = tqdm(
                loader, desc=f"epoch {epoch}", leave=False, unit="batch", disable=None
            )
        loss = train_epoch(model, optimizer, batches)
        test_accuracy = accuracy(model, data.x_test, data.y_test)
        history["epoch"].append(epoch)
        history["train_loss"].append(loss)
        history["train_accuracy"].append(accuracy(model, data.x_train, data.y_train))
        history["test_accuracy"].append(test_accuracy)
        print(
            f"epoch {epoch:3d}  train loss {loss:.4f}  "
            f"test accuracy {test_accuracy:.1%}"
        )
    return model, history


def save_plots(
    directory: str, model: nn.Sequential, history: dict[str, list[float]], data: Split
) -> None:
    """Save the training curves, first-layer weights, confusion matrix and mistakes.

    Each hidden unit's 64 (or 784) input weights are drawn as an 8x8 (or
    28x28) image, because the inputs are the pixels of a square image.
    """
    import plotting  # examples/plotting.py, beside this script; needs matplotlib

    weights = model[1].weight.detach().numpy()
    side = math.isqrt(weights.shape[1])
    paths = plotting.save_all(
        directory,
        history=history,
        first_layer_weights=weights.reshape(len(weights), side, side),
        weights_title="input weights of each hidden unit",
        images=data.x_test,
        y_true=data.y_test,
        y_pred=predict(model, data.x_test),
    )
    for path in paths:
        print(f"saved {path}")


def main(argv: Sequence[str] | None = None) -> float:
    args = parse_args(argv)
    data = load_mnist(args.mnist) if args.mnist else load_digits()
    print(
        f"{len(data.y_train)} training and {len(data.y_test)} test images of "
        f"{data.x_train.shape[1]} pixels"
    )

    model, history = train(args, data)
    test_accuracy = history["test_accuracy"][-1] if history["epoch"] else 0.0
    print(f"test accuracy: {test_accuracy * 100:.1f}%")
    if args.save:
        tg.save(model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")
    if args.plots:
        save_plots(args.plots, model, history, data)
    return test_accuracy


if __name__ == "__main__":
    main()
