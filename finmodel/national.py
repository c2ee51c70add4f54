"""National BCF totals by year and stream, shipped as data with sources
(``finmodel/data/national_totals.toml``; docs/SOURCES.md §2)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from finmodel.plan import Stream


@dataclass(frozen=True)
class NationalLine:
    year: str
    stream: Stream
    amount_gbp: float
    source: str
    within: Stream | None = None


@lru_cache(maxsize=1)
def national_totals() -> tuple[NationalLine, ...]:
    """Every national line of the shipped data file."""
    text = resources.files("finmodel").joinpath("data/national_totals.toml").read_text("utf-8")
    data = tomllib.loads(text)
    lines = []
    for year, streams in data["years"].items():
        for stream, row in streams.items():
            within = row.get("within")
            lines.append(
                NationalLine(year, Stream(stream), float(row["amount_gbp"]), row["source"], Stream(within) if within else None)
            )
    return tuple(lines)


def national_amount_gbp(year: str, stream: Stream) -> float:
    """National total of ``stream`` in ``year`` [£]; 0 where the stream had none that year."""
    return sum(l.amount_gbp for l in national_totals() if l.year == year and l.stream == stream)
