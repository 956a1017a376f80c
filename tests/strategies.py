"""Hypothesis strategies for school profiles, derived from the profile's own field table."""

from hypothesis import strategies as st

from pladvisor.domain.fields import ProfileField, profile_fields, profile_from_answers
from pladvisor.domain.profile import SchoolProfile


def answer(info: ProfileField) -> st.SearchStrategy[object]:
    if info.kind == "bool":
        return st.booleans()
    if info.kind == "int":
        return st.integers(min_value=info.minimum or 0, max_value=info.maximum or 10_000)
    if info.kind == "choice":
        return st.sampled_from(info.options)
    return st.lists(st.sampled_from(info.options), unique=True, max_size=len(info.options))


@st.composite
def profiles(draw: st.DrawFn) -> SchoolProfile:
    answers = {}
    for path, info in profile_fields().items():
        if draw(st.booleans()):
            answers[path] = draw(answer(info))
    return profile_from_answers(answers)


@st.composite
def answered_profiles(draw: st.DrawFn) -> SchoolProfile:
    """Profiles with at least one answer, so that there is an answer to take away."""
    fields = profile_fields()
    first = draw(st.sampled_from(sorted(fields)))
    answers = {first: draw(answer(fields[first]))}
    for path, info in fields.items():
        if path != first and draw(st.booleans()):
            answers[path] = draw(answer(info))
    return profile_from_answers(answers)
