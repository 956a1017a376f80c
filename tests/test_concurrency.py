"""Many simultaneous assessments give exactly the answers a sequential run gives."""

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.fields import profile_fields, profile_from_answers

from .profiles import random_value


def random_answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for path, info in profile_fields().items():
        if rng.random() < 0.4:
            continue
        answers[path] = random_value(rng, info)
    return answers


def test_threads_sharing_one_advisor_get_sequential_answers(advisor: Advisor) -> None:
    rng = random.Random(7)
    profiles = [profile_from_answers(random_answers(rng), school_id=f"s{i}") for i in range(2000)]
    sequential = [advisor.assess(p) for p in profiles]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(advisor.assess, profiles))
    assert concurrent == sequential
    assert len({len(a.recommendations) for a in sequential}) > 3, "profiles should vary"


def test_sessions_are_released_after_every_assessment(advisor: Advisor) -> None:
    # durable-rules refuses a ruleset's 1,025th live session; thousands of assessments prove none is kept.
    profile = profile_from_answers({"buy_in.approach": "voluntary"})
    for _ in range(3000):
        advisor.assess(profile)
