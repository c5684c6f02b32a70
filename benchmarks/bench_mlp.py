"""Time the digits MLP in tinygrad_edu against hand-written NumPy (and PyTorch).

Each measurement is a ratio against the hand-written NumPy version of the same
computation, timed in the same run, so the figures mean the same on a slow or
a busy machine. Three phases are timed apart: forward, backward, and a whole
training step (forward, backward and an SGD update).

Run: python benchmarks/bench_mlp.py [--batch 32] [--hidden 64] [--repeat 200]
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.nn import functional as F


def numpy_mlp(
    batch: int, hidden: int, seed: int = 0
) -> dict[str, Callable[[], object]]:
    """Return forward, backward and step closures of a hand-written NumPy MLP."""
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 64), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    w1 = rng.standard_normal((hidden, 64)).astype(np.float32) * 0.1
    b1 = np.zeros(hidden, np.float32)
    w2 = rng.standard_normal((10, hidden)).astype(np.float32) * 0.1
    b2 = np.zeros(10, np.float32)
    cache: dict[str, np.ndarray] = {}

    def forward() -> float:
        h = 1 / (1 + np.exp(-(x @ w1.T + b1)))
        logits = h @ w2.T + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        cache.update(h=h, log_probs=log_probs)
        return float(-log_probs[np.arange(batch), y].mean())

    def backward() -> tuple[np.ndarray, ...]:
        h, log_probs = cache["h"], cache["log_probs"]
        grad_logits = np.exp(log_probs)
        grad_logits[np.arange(batch), y] -= 1
        grad_logits /= batch
        grad_w2, grad_b2 = grad_logits.T @ h, grad_logits.sum(axis=0)
        grad_h = grad_logits @ w2 * h * (1 - h)
        return grad_h.T @ x, grad_h.sum(axis=0), grad_w2, grad_b2

    def step() -> None:
        forward()
        for param, grad in zip((w1, b1, w2, b2), backward(), strict=True):
            param -= 0.1 * grad

    return {
        "forward": forward,
        "backward": lambda: (forward(), backward()),
        "step": step,
    }


def tinygrad_mlp(
    batch: int, hidden: int, seed: int = 0
) -> dict[str, Callable[[], object]]:
    """Return the same three closures for tinygrad_edu."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.random((batch, 64), dtype=np.float32))
    y = Tensor(rng.integers(0, 10, batch))
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, hidden), nn.Sigmoid(), nn.Linear(hidden, 10))
    optimizer = optim.SGD(model.parameters(), lr=0.1)

    def forward() -> Tensor:
        return F.cross_entropy(model(x), y)

    def backward() -> None:
        optimizer.zero_grad()
        forward().backward()

    def step() -> None:
        backward()
        optimizer.step()

    return {"forward": forward, "backward": backward, "step": step}


def torch_mlp(
    batch: int, hidden: int, seed: int = 0
) -> dict[str, Callable[[], object]] | None:
    """Return the closures for PyTorch on the CPU, or None if it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    x = torch.rand(batch, 64)
    y = torch.randint(0, 10, (batch,))
    model = torch.nn.Sequential(
        torch.nn.Linear(64, hidden), torch.nn.Sigmoid(), torch.nn.Linear(hidden, 10)
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def forward() -> object:
        return torch.nn.functional.cross_entropy(model(x), y)

    def backward() -> None:
        optimizer.zero_grad()
        forward().backward()

    def step() -> None:
        backward()
        optimizer.step()

    return {"forward": forward, "backward": backward, "step": step}


def best_time(function: Callable[[], object], repeat: int) -> float:
    """Return the best of 5 runs of ``repeat`` calls, per call, in seconds."""
    function()
    return min(timeit.repeat(function, number=repeat, repeat=5)) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32, help="rows per batch")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units")
    parser.add_argument("--repeat", type=int, default=200, help="calls per timing")
    args = parser.parse_args()

    contenders = {
        "numpy": numpy_mlp(args.batch, args.hidden),
        "tinygrad_edu": tinygrad_mlp(args.batch, args.hidden),
    }
    torch_closures = torch_mlp(args.batch, args.hidden)
    if torch_closures is not None:
        contenders["torch (1 thread)"] = torch_closures

    print(
        f"MLP 64-{args.hidden}-10, batch {args.batch}; time per call and ratio to NumPy"
    )
    for phase in ("forward", "backward", "step"):  # backward includes its forward
        reference = best_time(contenders["numpy"][phase], args.repeat)
        for name, closures in contenders.items():
            seconds = best_time(closures[phase], args.repeat)
            print(
                f"  {phase:<9}{name:<18}{seconds * 1e6:9.1f} us"
                f"{seconds / reference:8.2f}x"
            )


if __name__ == "__main__":
    main()
