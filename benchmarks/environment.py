"""The machine and software that a run measured, and the BLAS thread count.

The BLAS library, its kernel and its thread count come from threadpoolctl,
which is optional. Without it, the suite prints that they are unknown, and
it cannot set the thread count.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from benchmarks.systems import System, package_version

# Variables that change which BLAS kernel runs, or how many threads it uses.
BLAS_VARIABLES = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo, else from ``platform``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def usable_cores() -> int | None:
    """Return the number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def blas_libraries() -> list[dict[str, Any]] | None:
    """Return threadpoolctl's record of each loaded BLAS, or None without it."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [info for info in threadpool_info() if info.get("user_api") == "blas"]


def torch_threads() -> int | None:
    """Return PyTorch's intra-op thread count if it is already imported."""
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None


def git_commit() -> str | None:
    """Return the repository's commit, with "+changes" if the tree differs."""
    repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+changes" if changes else "")


def describe(systems: list[System], notes: list[str]) -> dict[str, Any]:
    """Collect the environment of this run as a JSON-ready dict."""
    return {
        "commit": git_commit(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "os": platform.platform(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "numpy": np.__version__,
        "blas": blas_libraries(),
        "blas_variables": {
            name: os.environ[name] for name in BLAS_VARIABLES if name in os.environ
        },
        "torch_threads": torch_threads(),
        "systems": {system.name: system.version for system in systems},
        "skipped": notes,
        "scikit-learn": package_version("scikit-learn"),
        "threadpoolctl": package_version("threadpoolctl"),
    }


def format_environment(env: dict[str, Any]) -> list[str]:
    """Return the environment as lines of text, the first part of the report."""
    lines = [
        f"commit:       {env['commit'] or 'unknown (not a git checkout)'}",
        f"CPU:          {env['cpu']}",
        f"cores:        {env['cores']} ({env['usable_cores']} usable by this process)",
        f"OS:           {env['os']}",
        f"load average: {_format_load(env['load_average'])} (1, 5, 15 minutes)",
        f"Python:       {env['python']}",
        f"NumPy:        {env['numpy']}",
    ]
    lines += _format_blas(env["blas"])
    for name, value in env["blas_variables"].items():
        lines.append(f"environment:  {name}={value}")
    if env["torch_threads"] is not None:
        lines.append(f"torch:        {env['torch_threads']} intra-op threads")
    for name, version in env["systems"].items():
        lines.append(f"system:       {name} {version}")
    for note in env["skipped"]:
        lines.append(f"skipped:      {note}")
    lines.append(f"scikit-learn: {env['scikit-learn'] or 'not installed'}")
    return lines


def _format_load(load: tuple[float, float, float] | None) -> str:
    if load is None:
        return "unknown"
    return ", ".join(f"{value:.2f}" for value in load)


def _format_blas(blas: list[dict[str, Any]] | None) -> list[str]:
    if blas is None:
        return [
            "BLAS:         unknown: threadpoolctl is not installed, so the "
            "library, kernel and thread count cannot be read (pip install "
            "threadpoolctl)"
        ]
    if not blas:
        return ["BLAS:         threadpoolctl found no BLAS library loaded"]
    return [
        f"BLAS:         {info.get('internal_api')} {info.get('version')}, kernel "
        f"{info.get('architecture', 'unknown')}, {info.get('num_threads')} threads "
        f"({os.path.basename(info.get('filepath', ''))})"
        for info in blas
    ]


@contextlib.contextmanager
def thread_count(threads: int | None) -> Iterator[None]:
    """Set BLAS and PyTorch to ``threads`` threads inside the block.

    ``None`` leaves the defaults. Raises ``RuntimeError`` if threads are
    requested but threadpoolctl is not installed.
    """
    if threads is None:
        yield
        return

    try:
        from threadpoolctl import threadpool_limits
    except ImportError as error:
        raise RuntimeError(
            f"cannot set {threads} BLAS threads: threadpoolctl is not installed. "
            "Run pip install threadpoolctl, or leave out --threads."
        ) from error

    torch = sys.modules.get("torch")
    previous_torch = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=threads, user_api="blas"):
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(previous_torch)
