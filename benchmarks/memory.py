"""Memory measurements: tracemalloc peaks, resident-set peaks, import cost.

Two measures, because neither counts everything:

- tracemalloc's peak counts the bytes allocated through Python's allocators
  and NumPy's array buffers (NumPy reports them to tracemalloc) since
  tracing started. It is exact and repeatable, but blind to memory that
  C libraries allocate themselves: PyTorch's tensors and BLAS work buffers.
- The resident-set peak (VmHWM in /proc/self/status, reset through
  /proc/self/clear_refs, Linux 4.0 or later) counts pages of any origin,
  but only pages actually touched, in 4 KiB units, and it includes memory
  that allocators keep after a free. It is measured in a fresh process, so
  no earlier workload's freed memory is reused.

Run as ``python -m benchmarks.memory SYSTEM MODE ...`` this module is the
worker that measures one system in a fresh process and prints JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def traced_peak(function: Callable[[], object]) -> int:
    """Return the peak bytes that tracemalloc saw while ``function`` ran."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _status_kib(field: str) -> int | None:
    """Return a field of /proc/self/status in KiB, or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def resident_peak_added(function: Callable[[], object]) -> int | None:
    """Return the resident-set peak while ``function`` ran, over the start.

    Returns None where the peak cannot be reset (not Linux).
    """
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")  # 5 resets the peak to the current size
    except OSError:
        return None
    start = _status_kib("VmRSS")
    function()
    peak = _status_kib("VmHWM")
    if start is None or peak is None:
        return None
    return (peak - start) * 1024


def measure_training(
    system_name: str, mode: str, batch: int, steps: int, threads: int | None
) -> int | None:
    """Measure ``steps`` training steps of one system in a fresh process.

    ``mode`` is "tracemalloc" or "resident". Returns bytes, or None when the
    measure is not available.
    """
    command = [
        sys.executable,
        "-m",
        "benchmarks.memory",
        system_name,
        mode,
        "--batch",
        str(batch),
        "--steps",
        str(steps),
    ]
    if threads is not None:
        command += ["--threads", str(threads)]
    result = subprocess.run(
        command, cwd=REPOSITORY, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"the memory worker for {system_name} failed with exit code "
            f"{result.returncode}:\n{result.stderr}"
        )
    return json.loads(result.stdout)["bytes"]


# Run by "import tinygrad_edu" in a fresh interpreter: it imports nothing
# before numpy, so the figures contain numpy and tinygrad_edu alone.
_IMPORT_PROBE = """
import json, sys, time

def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

import numpy
after_numpy = rss_kib()
start = time.perf_counter()
import tinygrad_edu
seconds = time.perf_counter() - start
after_tinygrad = rss_kib()
print(json.dumps({
    "numpy_kib": after_numpy,
    "added_kib": after_tinygrad - after_numpy,
    "seconds": seconds,
    "modules": sorted(sys.modules),
}))
"""


def measure_import() -> dict[str, Any] | None:
    """Run the import probe in a fresh interpreter; None off Linux."""
    if _status_kib("VmRSS") is None:
        return None
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _worker(argv: list[str] | None = None) -> None:
    """Measure one system's training memory and print {"bytes": ...} as JSON."""
    parser = argparse.ArgumentParser(description=_worker.__doc__)
    parser.add_argument("system", help="system name, as in the tables")
    parser.add_argument("mode", choices=("tracemalloc", "resident"))
    parser.add_argument("--batch", type=int, required=True, help="rows per batch")
    parser.add_argument("--steps", type=int, required=True, help="training steps")
    parser.add_argument("--threads", type=int, help="BLAS and torch threads")
    args = parser.parse_args(argv)

    from benchmarks.environment import thread_count
    from benchmarks.systems import load_system
    from benchmarks.workloads import mlp_setup

    trainer = load_system(args.system).make_trainer(mlp_setup("sigmoid", args.batch))

    def train() -> None:
        for _ in range(args.steps):
            trainer.step(0)

    with thread_count(args.threads):
        if args.mode == "tracemalloc":
            added: int | None = traced_peak(train)
        else:
            added = resident_peak_added(train)
    print(json.dumps({"bytes": added}))


if __name__ == "__main__":
    _worker()
