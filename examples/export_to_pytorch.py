"""Train the digits network here, then run the same weights in PyTorch.

The model is the one from train_digits.py: Standardize, Linear, Sigmoid,
Linear. Its PyTorch twin is a ``torch.nn.Sequential`` with the same layers in
the same positions. Standardize becomes a small torch module that stores the
training mean and scale as buffers, so the state dict keys (``0.mean``,
``0.scale``, ``1.weight``, ...) match one to one and ``load_state_dict``
runs with ``strict=True``.

The script prints the largest absolute difference between the two models'
logits on the test images and exits with status 1 if the predicted classes
differ or the logits differ by more than float32 rounding.

Run: python examples/export_to_pytorch.py [--epochs 3]   (needs torch, sklearn)
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_edu import Tensor, nn, no_grad
from tinygrad_edu.data import load_digits
from tinygrad_edu.interop import to_torch

# Both frameworks compute in float32 but may sum in a different order, which
# changes the last few bits (float32 machine epsilon is 1.2e-7). The tolerance
# is relative to the largest logit.
RELATIVE_TOLERANCE = 1e-5


def load_train_digits() -> ModuleType:
    """Import examples/train_digits.py, which sits beside this file."""
    path = Path(__file__).resolve().parent / "train_digits.py"
    spec = importlib.util.spec_from_file_location("train_digits", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"failed to load {path}: no module spec for it")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_torch_model(torch: Any, inputs: int, hidden: int, classes: int = 10) -> Any:
    """Return the PyTorch twin of train_digits.build_model, with fresh weights."""

    class Standardize(torch.nn.Module):
        """Standardization (x - mean) * scale with buffers, as in train_digits."""

        def __init__(self, features: int) -> None:
            super().__init__()
            self.register_buffer("mean", torch.zeros(features))
            self.register_buffer("scale", torch.ones(features))

        def forward(self, x: Any) -> Any:
            return (x - self.mean) * self.scale

    return torch.nn.Sequential(
        Standardize(inputs),
        torch.nn.Linear(inputs, hidden),
        torch.nn.Sigmoid(),
        torch.nn.Linear(hidden, classes),
    )


def compare(model: nn.Module, torch_model: Any, torch: Any, x: np.ndarray) -> bool:
    """Print how the models' logits on ``x`` differ and return True if they match."""
    model.eval()
    torch_model.eval()
    with no_grad():
        logits = model(Tensor(x)).numpy()
    with torch.no_grad():
        torch_logits = torch_model(torch.from_numpy(x)).numpy()

    max_difference = float(np.max(np.abs(logits - torch_logits)))
    tolerance = RELATIVE_TOLERANCE * max(1.0, float(np.max(np.abs(logits))))
    same_classes = np.array_equal(logits.argmax(axis=1), torch_logits.argmax(axis=1))
    print(f"logit dtypes: tinygrad_edu {logits.dtype}, torch {torch_logits.dtype}")
    print(f"max abs logit difference: {max_difference:.3g} (tolerance {tolerance:.3g})")
    print(f"same predicted class on all {len(x)} test images: {same_classes}")
    return same_classes and max_difference <= tolerance


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="passes over the data")
    parser.add_argument("--seed", type=int, default=0, help="seed for training")
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        print("this example needs PyTorch: pip install torch", file=sys.stderr)
        return 1

    train_digits = load_train_digits()
    train_args = train_digits.parse_args(
        ["--epochs", str(args.epochs), "--seed", str(args.seed), "--no-progress"]
    )
    data = load_digits()
    model, _ = train_digits.train(train_args, data)

    torch_model = build_torch_model(torch, data.x_train.shape[1], train_args.hidden)
    torch_model.load_state_dict(to_torch(model.state_dict()), strict=True)
    print(f"loaded {len(model.state_dict())} tensors into {type(torch_model).__name__}")

    if not compare(model, torch_model, torch, data.x_test):
        print("the PyTorch model does not match", file=sys.stderr)
        return 1
    print("the PyTorch model matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
