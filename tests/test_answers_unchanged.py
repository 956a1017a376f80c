"""Every answer of a fixed set of 2,000 generated schools, byte for byte, as recorded in tests/data/.

The advisor is tuned for speed; this test is what lets that tuning be done without changing what any
school is told. It fails as soon as one byte of one answer differs from the recorded one, and names
the schools whose answers changed.

When an answer changes on purpose (a rule, a sentence, the scoring), record the new answers with

    .venv/bin/python -m tests.test_answers_unchanged

from the checkout, read the diff of some of the schools it reports, and commit the new digests with the
change that caused them.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.base import to_json
from pladvisor.domain.fields import profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile
from pladvisor.engine.catalog import Catalog

from .profiles import random_value

DIGESTS = Path(__file__).with_name("data") / "answer_digests.txt"
SCHOOLS = 2000
SEED = 2026
DIGEST_CHARS = 16
"""Hex digits kept of each SHA-256: 64 bits tell 2,000 answers apart and keep the file small."""


def strong_answers(catalog: Catalog) -> dict[str, Any]:
    """Answers that avoid gaps and earn strengths, taken from the catalog's own examples, so that some schools
    reach the top stages and get a plan to sustain their strengths, and not only early ones."""
    strong: dict[str, Any] = {}
    for kind, example in (("gap", "quiet"), ("strength", "fires")):
        for compiled in catalog.rules:
            if compiled.rule.kind == kind:
                strong.update(getattr(compiled.rule.examples, example))
    return strong


def schools(catalog: Catalog) -> list[SchoolProfile]:
    """Seeded schools of every maturity: each answers a random share of the questions, the more mature the more
    often with a strong answer, otherwise with any valid one. The first has no answer at all."""
    rng = random.Random(SEED)
    strong = strong_answers(catalog)
    profiles = [profile_from_answers({}, school_id="s0", name="School 0")]
    for number in range(1, SCHOOLS):
        maturity, share = rng.random(), rng.random()
        answers: dict[str, Any] = {}
        for path, info in profile_fields().items():
            if rng.random() >= share:
                continue
            if path in strong and rng.random() < maturity:
                answers[path] = strong[path]
            else:
                answers[path] = random_value(rng, info)
        profiles.append(profile_from_answers(answers, school_id=f"s{number}", name=f"School {number}"))
    return profiles


def digests(advisor: Advisor) -> list[str]:
    return [
        hashlib.sha256(to_json(advisor.assess(profile))).hexdigest()[:DIGEST_CHARS]
        for profile in schools(advisor.catalog)
    ]


def test_every_answer_is_byte_for_byte_the_recorded_one(advisor: Advisor) -> None:
    recorded = DIGESTS.read_text(encoding="ascii").split()
    assert len(recorded) == SCHOOLS
    changed = [i for i, (now, then) in enumerate(zip(digests(advisor), recorded, strict=True)) if now != then]
    assert not changed, f"{len(changed)} answers changed, first at positions {changed[:10]}; see the module docstring"


if __name__ == "__main__":
    DIGESTS.parent.mkdir(exist_ok=True)
    DIGESTS.write_text("".join(f"{digest}\n" for digest in digests(Advisor.from_directory())), encoding="ascii")
    print(f"recorded {SCHOOLS} answers in {DIGESTS}")
