"""Backpropagation by hand, next to the engine's, for a two-layer sigmoid network.

The network maps one input x (2 features) to one output y:

    z1 = W1 x + b1,   h = sigmoid(z1)      (2 hidden units)
    z2 = W2 h + b2,   y = sigmoid(z2)      (1 output unit)
    L  = (y - t)**2                        (mse_loss with one element)

The script prints the forward values, the engine's backward trace (one step
per operation, from the loss back to the parameters), and then every
gradient twice: as tinygrad_edu computed it, and by hand from the chain rule,
using sigmoid'(z) = sigmoid(z) (1 - sigmoid(z)). In float64 the two agree to
1e-12, and the script exits with status 1 if any pair does not.

Finally it draws the graph with tinygrad_edu.viz: an SVG when the graphviz
package and the Graphviz program are installed, otherwise the DOT text in a
.dot file, which any Graphviz viewer opens.

Run: python examples/backprop_by_hand.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, viz
from tinygrad_edu.autograd import trace
from tinygrad_edu.grad_mode import keep_inputs
from tinygrad_edu.nn import functional as F

TOLERANCE = 1e-12
LAYER_NAMES = {"0": "z1", "1": "h", "2": "z2", "3": "y"}


def build_model() -> nn.Sequential:
    """Return the 2-2-1 sigmoid network with fixed float64 weights."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    model.double()
    values = {
        "0.weight": [[0.1, -0.2], [0.4, 0.3]],
        "0.bias": [0.1, -0.2],
        "2.weight": [[0.7, -0.5]],
        "2.bias": [0.2],
    }
    with tg.no_grad():
        for name, param in model.named_parameters():
            param.copy_(Tensor(values[name], dtype="float64"))
    return model


def run_forward(
    model: nn.Sequential, x: Tensor, target: Tensor
) -> tuple[Tensor, dict[str, Tensor]]:
    """Return the loss and each layer's output, named z1, h, z2 and y.

    A forward hook on each layer records its output and calls retain_grad(),
    so backward fills in the output's .grad too. Running inside keep_inputs()
    lets the graph picture show the intermediate values.
    """
    outputs: dict[str, Tensor] = {}

    def record(name: str):
        def hook(module: nn.Module, args: tuple, output: Tensor) -> None:
            output.retain_grad()
            outputs[name] = output

        return hook

    handles = [
        module.register_forward_hook(record(LAYER_NAMES[key]))
        for key, module in model.named_children()
    ]
    with keep_inputs():
        loss = F.mse_loss(model(x), target)
    for handle in handles:
        handle.remove()
    return loss, outputs


def hand_gradients(
    model: nn.Sequential, x: np.ndarray, target: np.ndarray
) -> dict[str, np.ndarray]:
    """Return dL/d(every tensor) from the chain rule, in NumPy alone."""
    w1 = model[0].weight.detach().numpy()
    b1 = model[0].bias.detach().numpy()
    w2 = model[2].weight.detach().numpy()
    b2 = model[2].bias.detach().numpy()

    # Forward, exactly as the network computes it.
    h = 1 / (1 + np.exp(-(w1 @ x + b1)))
    y = 1 / (1 + np.exp(-(w2 @ h + b2)))

    # Backward: multiply by one local derivative per step.
    grad_y = 2 * (y - target)  # dL/dy of (y - t)**2
    grad_z2 = grad_y * y * (1 - y)  # sigmoid'(z2) = y (1 - y)
    grad_h = w2.T @ grad_z2  # dz2/dh = W2
    grad_z1 = grad_h * h * (1 - h)  # sigmoid'(z1) = h (1 - h)
    return {
        "y": grad_y,
        "z2": grad_z2,
        "2.weight": np.outer(grad_z2, h),
        "2.bias": grad_z2,
        "h": grad_h,
        "z1": grad_z1,
        "0.weight": np.outer(grad_z1, x),
        "0.bias": grad_z1,
    }


def compare(engine: dict[str, np.ndarray], by_hand: dict[str, np.ndarray]) -> list[str]:
    """Print each gradient pair; return the names of those that disagree."""
    rows = [("gradient", "engine", "by hand", "max |diff|")]
    failures = []
    for name, expected in by_hand.items():
        found = engine[name]
        diff = float(np.max(np.abs(found - expected)))
        rows.append((f"dL/d{name}", _short(found), _short(expected), f"{diff:.1e}"))
        if found.shape != expected.shape or not diff <= TOLERANCE:
            failures.append(name)

    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    print()
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]))
    return failures


def write_picture(loss: Tensor, params: Mapping[str, Tensor], out_dir: Path) -> str:
    """Draw the graph as SVG if Graphviz is installed, else write DOT text."""
    options: dict[str, Any] = {
        "params": params,
        "show_values": True,
        "show_grads": True,
    }
    try:
        path = viz.render(loss, out_dir / "backprop_by_hand.svg", **options)
        return f"graph picture written to {path}"
    except (ImportError, RuntimeError) as error:
        path = out_dir / "backprop_by_hand.dot"
        path.write_text(viz.to_dot(loss, **options))
        return (
            f"graph written as DOT text to {path}, because rendering needs "
            f"Graphviz: {error}\nView it with: dot -Tsvg {path} -o graph.svg"
        )


def _short(array: np.ndarray) -> str:
    text = np.array2string(np.asarray(array), precision=6, separator=", ")
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path("."),
        help="directory for the graph picture (default: the current directory)",
    )
    args = parser.parse_args(argv)

    model = build_model()
    x = Tensor([0.5, -1.0], dtype="float64")
    target = Tensor([1.0], dtype="float64")
    loss, outputs = run_forward(model, x, target)

    print("forward pass")
    print(f"  x  = {_short(x.numpy())}    target t = {_short(target.numpy())}")
    for name, output in outputs.items():
        print(f"  {name:<2} = {_short(output.detach().numpy())}")
    print(f"  L  = {loss.item():.12f}")

    with trace() as steps:
        loss.backward()
    print("\nbackward pass, as the engine ran it")
    print(steps)

    params = dict(model.named_parameters())
    tensors: dict[str, Tensor] = {**outputs, **params}
    engine = {name: np.asarray(tensor.grad) for name, tensor in tensors.items()}
    failures = compare(engine, hand_gradients(model, x.numpy(), target.numpy()))
    if failures:
        print(f"\nFAILED: these gradients differ by more than {TOLERANCE}: {failures}")
        return 1
    print(f"\nall {len(engine)} gradients agree with the chain rule to {TOLERANCE}")

    print(write_picture(loss, params, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
