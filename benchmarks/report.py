"""Tables of results: Markdown text for the terminal, dicts for --json."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.timing import Timing

MET = "met"
MISSED = "missed"


@dataclass
class Table:
    """One workload's results.

    ``rows`` contains the printed cells, and ``records`` the same results as
    numbers, one dict per row, for ``--json``.
    """

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, cells: list[str], record: dict[str, Any]) -> None:
        """Append a row, given its printed cells and its record."""
        if len(cells) != len(self.columns):
            raise ValueError(
                f"table {self.title!r} has {len(self.columns)} columns, "
                f"but the row has {len(cells)} cells: {cells}"
            )
        self.rows.append(cells)
        self.records.append(record)

    def render(self) -> str:
        """Return the table as Markdown, its title as a heading, notes below."""
        widths = [len(column) for column in self.columns]
        for row in self.rows:
            widths = [
                max(width, len(cell)) for width, cell in zip(widths, row, strict=True)
            ]
        lines = [f"### {self.title}", ""]
        lines.append(_markdown_row(self.columns, widths))
        lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
        lines += [_markdown_row(row, widths) for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "notes": self.notes, "rows": self.records}


def _markdown_row(cells: list[str], widths: list[int]) -> str:
    return (
        "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"
    )


def verdict(value: float | None, limit: float) -> str:
    """Return "met" if ``value`` is at most ``limit``, else "missed"."""
    if value is None:
        return MISSED
    return MET if value <= limit else MISSED


def seconds(value: float) -> str:
    """Format a duration in s, ms or µs with three significant digits."""
    if value >= 1:
        return f"{value:.3g} s"
    if value >= 1e-3:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def mebibytes(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.1f} MiB"


def timing_cells(timing: Timing, reference: Timing, per: float = 1.0) -> list[str]:
    """Return median, minimum and both ratios to the reference as cells.

    ``per`` divides the times, to show them per op or per node.
    """
    median_ratio, min_ratio = timing.ratio(reference)
    return [
        seconds(timing.median / per),
        seconds(timing.minimum / per),
        ratio(median_ratio),
        ratio(min_ratio),
    ]


def timing_record(timing: Timing, reference: Timing) -> dict[str, Any]:
    median_ratio, min_ratio = timing.ratio(reference)
    return {
        "median_s": timing.median,
        "min_s": timing.minimum,
        "repeats": timing.repeats,
        "calls_per_repeat": timing.calls,
        "median_ratio": median_ratio,
        "min_ratio": min_ratio,
    }
