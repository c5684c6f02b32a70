"""Long runs that test_memory.py measures in a fresh interpreter.

A fresh process makes the peak resident memory (``ru_maxrss``) belong to the
run alone, not to the tests that ran before it. Run it by hand to see the
numbers quoted in the README::

    python tests/reliability/long_runs.py training 10000
    python tests/reliability/long_runs.py graph 1000000

Each command prints one JSON object. ``resource`` exists on Linux and macOS
only, so neither command runs on Windows.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F

# The step after which the training run takes its first measurement.
FIRST_MEASUREMENT = 100


def peak_rss_bytes() -> int:
    """Return the process's peak resident memory so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB and macOS bytes.
    return peak if sys.platform == "darwin" else peak * 1024


def train(steps: int) -> dict[str, Any]:
    """Train the digits network for ``steps`` steps with the cyclic GC off.

    The network has the layers of examples/train_digits.py without its input
    standardisation: 64-64-10 with a sigmoid, trained by SGD with momentum
    0.9 on batches of 32, here with lr 0.1. The data are random arrays of the
    digits' shape, so that scikit-learn is not needed. Measurements are taken
    after step 100 and after the last step.
    """
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((1437, 64), dtype=np.float32)
    y = rng.integers(0, 10, size=1437)
    model = nn.Sequential(nn.Linear(64, 64), nn.Sigmoid(), nn.Linear(64, 10))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(
        TensorDataset(x, y),
        batch_size=32,
        shuffle=True,
        generator=tg.Generator().manual_seed(0),
    )

    measured_at, peak_rss, live_objects = [], [], []
    gc.collect()
    gc.disable()
    step = 0
    start = time.perf_counter()
    while step < steps:
        for inputs, targets in loader:
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            step += 1
            if step in (FIRST_MEASUREMENT, steps):
                measured_at.append(step)
                peak_rss.append(peak_rss_bytes())
                live_objects.append(len(gc.get_objects()))
            if step == steps:
                break
    seconds = time.perf_counter() - start

    # With the cyclic GC off, anything that a reference cycle kept alive is
    # still in memory, and collect() returns how many such objects it found.
    unreachable = gc.collect()
    gc.enable()
    return {
        "steps": steps,
        "seconds": seconds,
        "measured_at": measured_at,
        "peak_rss": peak_rss,
        "live_objects": live_objects,
        "unreachable": unreachable,
        "final_loss": loss.item(),
    }


def chain(nodes: int) -> dict[str, Any]:
    """Build y = x + 1e-6 + 1e-6 + ... with ``nodes`` additions, then backward."""
    x = Tensor(np.float64(0.5), requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(nodes):
        y = y + 1e-6
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return {
        "nodes": nodes,
        "build_seconds": built - start,
        "backward_seconds": done - built,
        "value": y.item(),
        "grad": x.grad.item(),
        "peak_rss": peak_rss_bytes(),
    }


def main(argv: list[str]) -> int:
    runs = {"training": train, "graph": chain}
    if len(argv) != 2 or argv[0] not in runs or not argv[1].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(runs[argv[0]](int(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
