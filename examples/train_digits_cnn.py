"""Train a small convolutional network on real handwritten digits.

Each 8x8 scan from scikit-learn's bundled digits is read as a one-channel
image of shape (1, 8, 8). Two blocks of 3x3 convolution, ReLU and 2x2 max
pooling turn it into 32 feature maps of 2x2 pixels. A hidden layer of 64
ReLU units and a last linear layer then score the ten classes. Training
minimises the cross-entropy with Adam, and tinygrad_edu derives every
gradient by backpropagation.

The defaults (learning rate 3e-3, batches of 32, 20 epochs) were chosen by
the mean accuracy of seeds 0 to 2 on a validation split of 20% of the
training images, never on the test images.

Run: python examples/train_digits_cnn.py
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.data import DataLoader, Split, TensorDataset, load_digits
from tinygrad_edu.nn import functional as F

try:
    from tqdm import tqdm
except ImportError:  # The progress bar is optional.
    tqdm = None

IMAGE_SHAPE = (1, 8, 8)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="passes over the data")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for init and shuffling"
    )
    parser.add_argument(
        "--save", default="digits_cnn.npz", help="where to write the trained weights"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="hide the per-epoch progress bar"
    )
    return parser.parse_args(argv)


def as_images(x: np.ndarray) -> np.ndarray:
    """Reshape rows of 64 pixels, row-major, to images of shape (N, 1, 8, 8)."""
    return x.reshape(len(x), *IMAGE_SHAPE)


def build_model(classes: int = 10) -> nn.Sequential:
    """Return the network, which maps (N, 1, 8, 8) images to (N, classes) logits."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),  # (N, 16, 8, 8)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 16, 4, 4)
        nn.Conv2d(16, 32, kernel_size=3, padding=1),  # (N, 32, 4, 4)
        nn.ReLU(),
        nn.MaxPool2d(2),  # (N, 32, 2, 2)
        nn.Flatten(),  # (N, 128)
        nn.Linear(32 * 2 * 2, 64),
        nn.ReLU(),
        nn.Linear(64, classes),
    )


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Return the fraction of images in ``x`` whose predicted class is ``y``."""
    model.eval()
    with no_grad():
        predictions = model(Tensor(x)).argmax(dim=1).numpy()
    model.train()
    return float(np.mean(predictions == y))


def train_epoch(
    model: nn.Module, optimizer: optim.Optimizer, batches: Iterable[tuple[Tensor, ...]]
) -> float:
    """Run one pass of Adam over the batches and return the mean training loss."""
    total, count = 0.0, 0
    for images, labels in batches:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
    return total / count


def train(args: argparse.Namespace, data: Split) -> tuple[nn.Module, float]:
    """Train a model on ``data`` with the settings in ``args``.

    The inputs of ``data`` must be images of shape (N, 1, 8, 8). Returns the
    model and its test accuracy after the last epoch.
    """
    tg.manual_seed(args.seed)
    model = build_model()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(
        TensorDataset(data.x_train, data.y_train),
        batch_size=args.batch_size,
        shuffle=True,
        generator=tg.Generator().manual_seed(args.seed),
    )

    test_accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        batches: Iterable[tuple[Tensor, ...]] = loader
        if tqdm is not None and not args.no_progress:
            batches = tqdm(
                loader, desc=f"epoch {epoch}", leave=False, unit="batch", disable=None
            )
        loss = train_epoch(model, optimizer, batches)
        test_accuracy = accuracy(model, data.x_test, data.y_test)
        print(
            f"epoch {epoch:3d}  train loss {loss:.4f}  "
            f"test accuracy {test_accuracy:.1%}"
        )
    return model, test_accuracy


def load_images() -> Split:
    """Return the digits split of ``load_digits`` with images of shape (N, 1, 8, 8)."""
    data = load_digits()
    return Split(
        as_images(data.x_train), data.y_train, as_images(data.x_test), data.y_test
    )


def main(argv: Sequence[str] | None = None) -> float:
    args = parse_args(argv)
    data = load_images()
    print(
        f"{len(data.y_train)} training and {len(data.y_test)} test images of "
        f"shape {data.x_train.shape[1:]}"
    )

    model, test_accuracy = train(args, data)
    print(f"test accuracy: {test_accuracy * 100:.1f}%")
    if args.save:
        tg.save(model.state_dict(), args.save)
        print(f"saved the weights to {args.save}")
    return test_accuracy


if __name__ == "__main__":
    main()
