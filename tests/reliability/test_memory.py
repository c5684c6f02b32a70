"""Long training keeps memory flat, and a graph of a million nodes backpropagates.

Both runs happen in a fresh interpreter (see long_runs.py), so that the peak
resident memory measured there belongs to the run alone. Together they took
14 s on a two-core machine with Python 3.11 and NumPy 2.4.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TRAINING_STEPS = 10_000
GRAPH_NODES = 1_000_000

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="long_runs.py measures memory with resource"
)


def run_long(kind: str, count: int) -> dict[str, Any]:
    """Run long_runs.py in a new interpreter and return the JSON it prints."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, str(HERE / "long_runs.py"), kind, str(count)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def training() -> dict[str, Any]:
    return run_long("training", TRAINING_STEPS)


def test_training_measures_at_100_and_end(training):
    assert training["measured_at"] == [100, TRAINING_STEPS]


def test_training_peak_memory_flat(training):
    at_100, at_end = training["peak_rss"]
    assert at_end < at_100 * 1.05


def test_training_live_objects_flat(training):
    # A leak of one object per step would add about 9,900 objects here.
    at_100, at_end = training["live_objects"]
    assert at_end - at_100 < 100


def test_training_leaves_no_cycles(training):
    assert training["unreachable"] == 0


def test_training_loss_is_finite(training):
    assert np.isfinite(training["final_loss"])


@pytest.fixture(scope="module")
def graph() -> dict[str, Any]:
    return run_long("graph", GRAPH_NODES)


def test_million_node_graph_gradient(graph):
    assert graph["grad"] == 1.0


def test_million_node_graph_value(graph):
    # np.add.accumulate adds left to right, as the chain of nodes does.
    terms = np.concatenate([[0.5], np.full(GRAPH_NODES, 1e-6)])
    assert graph["value"] == np.add.accumulate(terms)[-1]
