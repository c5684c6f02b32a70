"""XOR: a single neuron cannot learn it, but a network with a hidden layer can.

XOR is 1 when exactly one of its two inputs is 1. No straight line separates
(0, 1) and (1, 0) from (0, 0) and (1, 1), so a single logistic neuron,
sigmoid(w . x + b), whose decision boundary is a line, gets at most 3 of the
4 points right. Trained by cross-entropy it drifts towards predicting 0.5
everywhere. A 2-4-1 network with a tanh hidden layer bends the boundary and
classifies all four points.

Both models are trained on the four points with Adam and the binary
cross-entropy on logits. With ``--plots DIR`` the script saves both decision
boundaries to DIR/xor_decision_boundary.png (needs matplotlib).

Run: python examples/xor.py [--plots DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F

POINTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
LABELS = np.array([0, 1, 1, 0], dtype=np.float32)
PLOT_NAME = "xor_decision_boundary.png"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="Adam steps per model")
    parser.add_argument("--lr", type=float, default=0.1, help="Adam learning rate")
    parser.add_argument("--hidden", type=int, default=4, help="hidden tanh units")
    parser.add_argument("--seed", type=int, default=0, help="seed for the weights")
    parser.add_argument(
        "--plots", metavar="DIR", help="save the decision boundaries as PNG in DIR"
    )
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    return args


def build_network(hidden: int) -> nn.Sequential:
    """Return the network 2 -> hidden (tanh) -> 1 logit: Linear, Tanh, Linear."""
    return nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))


def train(model: nn.Module, steps: int, lr: float) -> float:
    """Fit ``model`` to the XOR points by full-batch Adam and return the last loss.

    The loader yields all four points as one batch, so each step uses the
    whole data set.
    """
    optimizer = optim.Adam(model.parameters(), lr=lr)
    dataset = TensorDataset(POINTS, LABELS.reshape(-1, 1))
    loader = DataLoader(dataset, batch_size=len(dataset))

    for _ in range(steps):
        for inputs, targets in loader:
            loss = F.binary_cross_entropy_with_logits(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def probabilities(model: nn.Module, points: np.ndarray) -> np.ndarray:
    """Return P(XOR = 1) for each row of ``points``, shape (N,)."""
    with no_grad():
        return model(Tensor(points)).sigmoid().numpy().reshape(-1)


def report(name: str, model: nn.Module, loss: float) -> float:
    """Print the model's prediction for each point and return its accuracy."""
    probability = probabilities(model, POINTS)
    predictions = (probability >= 0.5).astype(np.float32)
    accuracy = float(np.mean(predictions == LABELS))

    print(f"{name}: final loss {loss:.4f}, accuracy {accuracy:.0%}")
    for point, label, p, predicted in zip(
        POINTS, LABELS, probability, predictions, strict=True
    ):
        print(
            f"  x = ({point[0]:.0f}, {point[1]:.0f})  target {label:.0f}  "
            f"P(1) = {p:.3f}  predicted {predicted:.0f}"
        )
    return accuracy


def save_plot(models: dict[str, nn.Module], directory: Path) -> Path:
    """Draw each model's P(1) with its 0.5 contour and return the PNG's path.

    Raises:
        ImportError: if matplotlib is not installed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(-0.5, 1.5, 201, dtype=np.float32)
    xx, yy = np.meshgrid(grid, grid)
    plane = np.stack([xx.ravel(), yy.ravel()], axis=1)

    figure, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 4.5))
    for axis, (name, model) in zip(np.atleast_1d(axes), models.items(), strict=True):
        surface = probabilities(model, plane).reshape(xx.shape)
        # Fixed levels, so a flat surface at 0.5 is drawn on the same 0-1 scale.
        levels = np.linspace(0.0, 1.0, 21)
        filled = axis.contourf(xx, yy, surface, levels=levels, cmap="coolwarm")
        axis.contour(xx, yy, surface, levels=[0.5], colors="black", linewidths=2)
        axis.scatter(
            POINTS[:, 0],
            POINTS[:, 1],
            c=LABELS,
            cmap="coolwarm",
            vmin=0,
            vmax=1,
            s=150,
            edgecolors="black",
        )
        axis.set(title=name, xlabel="x1", ylabel="x2", aspect="equal")
        low, high = f"{surface.min():.2f}", f"{surface.max():.2f}"
        if float(high) - float(low) < 0.05:
            # A flat surface has no 0.5 contour, so the panel states that in words.
            spread = low if low == high else f"between {low} and {high}"
            axis.text(
                0.5,
                0.5,
                f"P(XOR = 1) is {spread} everywhere:\nno decision boundary",
                transform=axis.transAxes,
                ha="center",
                va="center",
                bbox={"facecolor": "white", "alpha": 0.8},
            )
        figure.colorbar(filled, ax=axis, label="P(XOR = 1)")

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PLOT_NAME
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tg.manual_seed(args.seed)

    neuron = nn.Linear(2, 1)
    neuron_accuracy = report(
        "single neuron", neuron, train(neuron, args.steps, args.lr)
    )
    network = build_network(args.hidden)
    network_accuracy = report(
        f"2-{args.hidden}-1 tanh network", network, train(network, args.steps, args.lr)
    )
    print(
        f"single neuron accuracy {neuron_accuracy:.0%}, "
        f"network accuracy {network_accuracy:.0%}"
    )

    if args.plots:
        models = {"single neuron": neuron, f"2-{args.hidden}-1 tanh network": network}
        try:
            path = save_plot(models, Path(args.plots))
        except ImportError:
            print("--plots needs matplotlib: pip install matplotlib", file=sys.stderr)
            return 1
        print(f"saved the decision boundaries to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
