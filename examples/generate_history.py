"""Generate a synthetic district whose schools were assessed once a year for three years (seeded).

    python examples/generate_history.py          # examples/district_over_time.json

Each school starts at its own maturity and changes by its own yearly step, most of them growing,
one standing still and one slipping; each year's answers are drawn from that year's maturity.
The file is what a district would send: its schools, each with a need figure and its dated
profiles, for the storing routes (see docs/api/stored.md).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from generate import cell

from pladvisor.domain.fields import profile_fields, required_areas

YEARS = ("2024-09-15", "2025-09-15", "2026-09-15")
SCHOOLS = (
    ("Oak Primary", 0.55, 0.15),
    ("Elm Middle", 0.2, 0.2),
    ("Ash High", 0.7, 0.0),
    ("Fir Academy", 0.45, -0.1),
    ("Pine Elementary", 0.3, 0.25),
)
"""Name, maturity in the first year, change per year."""


def profile(maturity: float, rng: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {area: {} for area in required_areas()}
    for path, info in profile_fields().items():
        if rng.random() < 0.85:
            text = cell(info, maturity, rng)
            area, _, name = path.partition(".")
            value: Any = text
            if info.kind == "bool":
                value = text == "true"
            elif info.kind == "int":
                value = int(text)
            elif info.kind == "choices":
                value = [] if text == "none" else text.split(";")
            body.setdefault(area, {})[name] = value
    return body


def district(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    schools = []
    for name, start, step in SCHOOLS:
        schools.append(
            {
                "name": name,
                "need": round(rng.uniform(10, 90), 1),
                "assessments": [
                    {"assessed_on": day, "profile": profile(min(1.0, max(0.0, start + step * year)), rng)}
                    for year, day in enumerate(YEARS)
                ],
            }
        )
    return {"name": "North Valley Unified", "schools": schools}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-o", "--output", type=Path, default=Path(__file__).with_name("district_over_time.json"))
    args = parser.parse_args()
    args.output.write_text(json.dumps(district(args.seed), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
