"""Run the benchmark suite and print one table per workload.

Usage: python -m benchmarks [--quick] [--json PATH] [--threads N]
                            [--peers torch,mygrad,autograd] [--workloads ...]

Every figure is a ratio to the hand-written NumPy reference measured in the
same run, so the ratios mean the same on a slow or a busy machine. Before
timing a workload, the suite checks that every system computes the same
losses, weights and gradients, and exits with status 1 if they differ.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as "python benchmarks/run.py": make the package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import chains, footprint, tools, training  # noqa: E402
from benchmarks.agreement import AgreementError  # noqa: E402
from benchmarks.environment import (  # noqa: E402
    blas_libraries,
    describe,
    format_environment,
    thread_count,
    torch_threads,
)
from benchmarks.report import Table  # noqa: E402
from benchmarks.systems import System, load_systems  # noqa: E402
from benchmarks.workloads import Settings  # noqa: E402

PEERS = ("torch", "mygrad", "autograd")
WORKLOADS = ("steps", "overhead", "chain", "digits", "memory", "import", "tools")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and three repetitions: checks that the suite runs",
    )
    parser.add_argument("--json", metavar="PATH", help="also write results to PATH")
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="BLAS and PyTorch threads for every workload (default 1, or the "
        "libraries' defaults without threadpoolctl); the training step is also "
        "timed at the default count when it differs",
    )
    parser.add_argument(
        "--peers",
        type=_names(PEERS),
        metavar="NAMES",
        default=list(PEERS),
        help="comma-separated peers to compare, or 'none' (default: all found)",
    )
    parser.add_argument(
        "--workloads",
        type=_names(WORKLOADS),
        metavar="NAMES",
        default=list(WORKLOADS),
        help="comma-separated workloads to run (default: all): " + ", ".join(WORKLOADS),
    )
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    return args


def _names(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    """Return an argparse type that splits a comma list and checks each name."""

    def parse(text: str) -> list[str]:
        names = [] if text == "none" else [n for n in text.split(",") if n]
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown name(s) {', '.join(unknown)}; choose from "
                f"{', '.join(allowed)}"
            )
        return names

    return parse


def run_workloads(
    systems: list[System], settings: Settings, names: list[str]
) -> list[Table]:
    """Run the chosen workloads, printing each table as soon as it is done."""
    builders: dict[str, Callable[[], list[Table]]] = {
        "steps": lambda: training.step_tables(systems, settings, _label(settings)),
        "overhead": lambda: [chains.overhead_table(systems, settings)],
        "chain": lambda: chains.chain_tables(systems, settings),
        "digits": lambda: [training.digits_table(systems, settings)],
        "memory": lambda: [footprint.training_memory_table(systems, settings)],
        "import": lambda: [footprint.import_table(settings)],
        "tools": lambda: [tools.tools_table(systems[1], settings)],
    }
    tables = []
    for name in names:
        for table in builders[name]():
            print(table.render(), end="\n\n", flush=True)
            tables.append(table)
    return tables


def _label(settings: Settings) -> str:
    if settings.threads is None:
        return "default threads (threadpoolctl not installed)"
    return f"{settings.threads} thread(s)"


def default_thread_label(env: dict[str, Any], threads: int | None) -> str | None:
    """Describe the default thread counts, or None if they all equal ``threads``.

    Also None when ``threads`` is None: the run already used the defaults.
    """
    if threads is None:
        return None
    counts = {"BLAS": [info["num_threads"] for info in env["blas"] or []]}
    if env["torch_threads"] is not None:
        counts["torch"] = [env["torch_threads"]]
    if all(count == threads for values in counts.values() for count in values):
        return None
    parts = [f"{key} {'/'.join(map(str, v))}" for key, v in counts.items() if v]
    return "default threads (" + ", ".join(parts) + ")"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    systems, notes = load_systems(args.peers)
    env = describe(systems, notes)
    threads = args.threads
    if threads is None and env["blas"] is not None:
        threads = 1
    settings = Settings(quick=args.quick, threads=threads)
    print("## Environment\n")
    print("\n".join(format_environment(env)), end="\n\n", flush=True)

    tables: list[Table] = []
    try:
        with thread_count(threads):
            print(_threads_in_effect(), end="\n\n")
            tables += run_workloads(systems, settings, args.workloads)
        label = default_thread_label(env, threads)
        if label is not None and "steps" in args.workloads:
            tables += _default_thread_steps(systems, settings, label)
    except AgreementError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1

    if args.json:
        results = {
            "environment": env,
            "options": {"quick": args.quick, "threads": threads},
            "tables": [table.to_json() for table in tables],
        }
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


def _threads_in_effect() -> str:
    blas = blas_libraries() or []
    counts = ", ".join(f"{info['internal_api']} {info['num_threads']}" for info in blas)
    torch = torch_threads()
    torch_part = f", torch {torch}" if torch is not None else ""
    return f"Threads in effect: BLAS {counts or 'unknown'}{torch_part}"


def _default_thread_steps(
    systems: list[System], settings: Settings, label: str
) -> list[Table]:
    tables = training.step_tables(systems, settings, label)
    for table in tables:
        print(table.render(), end="\n\n", flush=True)
    return tables


if __name__ == "__main__":
    sys.exit(main())
