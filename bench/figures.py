"""What a benchmark reports besides its printout: its figures as JSON (``--json PATH``), which
``bench/all.py`` gathers into one table.

    {"bench": "ingest_mt940", "figures": [{"name": ..., "value": ..., "unit": ..., "baseline":
     ..., "baseline_value": ..., "ratio": ..., "target": ..., "met": ...}, ...]}
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured figure, beside the baseline it is compared with (if any)."""

    name: str
    value: float
    unit: str
    baseline: str = ""
    """What the figure is compared with, in words ("mt940.parse of the same text")."""
    baseline_value: float | None = None
    ratio: float | None = None
    """The bench's own ratio (usually value / baseline_value; its docstring says which way)."""
    target: str = ""
    """The goal, in words: "ratio ≥ 0.5", "≥ 2,000 movements/s"."""
    met: bool | None = None
    """Whether the target is met; None without a target."""


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON"
    )


def write_json(path: Path | None, bench: str, figures: list[Figure]) -> None:
    """Write ``figures`` to ``path`` (nothing when None)."""
    if path is None:
        return
    document = {"bench": bench, "figures": [_finite(asdict(figure)) for figure in figures]}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")


def read_json(path: Path) -> tuple[str, list[Figure]]:
    """(bench, figures) of a file :func:`write_json` wrote; ValueError when it is not one."""
    try:
        document = json.loads(path.read_text())
        return str(document["bench"]), [Figure(**item) for item in document["figures"]]
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} holds no figures: {exc}") from exc


def _finite(item: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: a figure that could not be computed is null."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in item.items()
    }
