"""The stage a score reaches and the foundations allow, and the verdict that says it: the rules of placing a
school, apart from the counting of checks that feeds them (``readiness``)."""

from __future__ import annotations

from pladvisor.domain.assessment import Confidence, FoundationStatus, Stage

SCORE_BANDS: tuple[tuple[int, Stage], ...] = (
    (85, "sustaining"),
    (65, "implementing"),
    (40, "preparing"),
    (0, "exploring"),
)
STAGE_RANK: dict[Stage, int] = {"undetermined": -1, "exploring": 0, "preparing": 1, "implementing": 2, "sustaining": 3}


def confidence(completeness: float) -> Confidence:
    if completeness >= 0.75:
        return "high"
    return "medium" if completeness >= 0.4 else "low"


_BAND_OF: tuple[Stage, ...] = tuple(next(name for floor, name in SCORE_BANDS if score >= floor) for score in range(101))
"""The band of every score, a share from 0 to 100: looked up, since every school reads it several times."""


def band(score: int) -> Stage:
    return _BAND_OF[score]


def cap(not_met: int, unknown: int, major_gap: bool = False) -> Stage:
    """The highest stage the foundations allow. Sustaining needs every one shown in place, and no major piece
    missing (a gap of high priority open, or a strength of high priority not in place): a school still missing
    one is implementing. One foundation missing holds an otherwise strong school at implementing (one stage,
    not two), unless two or more others are not answered either; two missing hold it at preparing."""
    if not_met == 0 and unknown == 0 and not major_gap:
        return "sustaining"
    if not_met == 0 or (not_met == 1 and unknown <= 1):
        return "implementing"
    return "preparing"


def stage(score: int | None, not_met: int, unknown: int = 0, major_gap: bool = False) -> Stage:
    """The score's band, no higher than the foundations allow."""
    if score is None:
        return "undetermined"
    reached, allowed = band(score), cap(not_met, unknown, major_gap)
    return reached if STAGE_RANK[reached] <= STAGE_RANK[allowed] else allowed


def share(met: int, total: int) -> int | None:
    """``met`` as a whole percentage of ``total``; None when there is nothing to count."""
    return round(100 * met / total) if total else None


def _listed(titles: list[str]) -> str:
    """Titles that hold an "and" of their own are kept apart with semicolons once there are three or more."""
    if len(titles) <= 2:
        return " and ".join(titles)
    return f"{'; '.join(titles[:-1])}; and {titles[-1]}"


def verdict(
    central: Stage,
    answered_score: int | None,
    held_at: tuple[FoundationStatus, ...],
    lowest: Stage,
    highest: Stage,
    contradicted: bool,
) -> str:
    """The stage in one or two sentences a principal reads first: what it rests on, what holds it there, and
    how far the open questions could move it."""
    if central == "undetermined":
        return (
            "Too little is answered yet to name a stage: answer the questions about the foundations first (the "
            "why, the definition, how teachers enter, ongoing support and measuring impact)."
        )
    sentences = [f"{central.capitalize()}: {answered_score}% of the points your answers decide are met."]
    missing = [f.title.lower() for f in held_at if f.status == "not_met"]
    unknown = [f.title.lower() for f in held_at if f.status == "unknown"]
    above = "sustaining" if central == "implementing" else "implementing"
    reasons = []
    if missing:
        reasons.append(f"{_listed(missing)} {'is' if len(missing) == 1 else 'are'} not in place")
    if unknown:
        reasons.append(f"{_listed(unknown)} {'is' if len(unknown) == 1 else 'are'} not yet shown")
    if reasons:
        sentences.append(f"It stays below {above} while {' and '.join(reasons)}.")
    if lowest != highest:
        sentences.append(f"The questions still open leave it between {lowest} and {highest}.")
    if contradicted:
        sentences.append("Some answers contradict each other; check them first.")
    return " ".join(sentences)
