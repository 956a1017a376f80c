"""Several respondents per school: role questionnaires, combining, perception gaps and the anonymity floor."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.combine import Combiner
from pladvisor.domain.base import to_json
from pladvisor.domain.respondents import CombinedAssessment, CombinedRequest, Role
from pladvisor.engine.catalog import CatalogError, default_rules_dir
from pladvisor.engine.respondents import Respondents, load_respondents

FLOOR = 5


@pytest.fixture(scope="module")
def respondents(advisor: Advisor) -> Respondents:
    return load_respondents(default_rules_dir(), advisor.catalog)


@pytest.fixture(scope="module")
def combiner(advisor: Advisor, respondents: Respondents) -> Combiner:
    return Combiner(advisor, respondents, FLOOR)


def answers(path: str, value: Any) -> dict[str, dict[str, Any]]:
    section, _, name = path.partition(".")
    return {section: {name: value}}


def responses(role: Role, path: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{"role": role, "answers": answers(path, value)} for value in values]


def combine(combiner: Combiner, *groups: list[dict[str, Any]]) -> CombinedAssessment:
    request = CombinedRequest.model_validate({"responses": [r for group in groups for r in group]}, strict=True)
    return combiner.combine(request)


def field(answer: CombinedAssessment, path: str) -> Any:
    return next(f for f in answer.combined if f.field == path)


def shown_roles(answer: CombinedAssessment) -> set[str]:
    """Every role the answer reports by role: field by field, in the gaps, and the teachers' stages."""
    roles: set[str] = {view.role for f in answer.combined for view in f.by_role}
    roles |= {side.role for gap in answer.perception_gaps for side in gap.sides}
    if answer.teacher_stages.shown:
        roles.add("teacher")
    return roles


# --- role questionnaires ---------------------------------------------------------------------------------------


def questions(client: TestClient[Litestar], role: str) -> dict[str, dict[str, Any]]:
    document = client.get("/v1/questionnaire", params={"role": role}).json()
    assert document["role"] == role
    return {q["field"]: q for section in document["sections"] for q in section["questions"]}


def test_a_teacher_is_asked_in_a_teachers_words(client: TestClient[Litestar]) -> None:
    asked = questions(client, "teacher")
    assert asked["professional_development.coaching"]["help"] == "Can you get coaching when you need it?"
    assert "tools.plan_centre" not in asked and "buy_in.full_implementation_expected_months" not in asked
    assert asked["stage"]["options"][0] == {"value": "not_started", "label": "Not started"}


def test_students_get_a_short_survey_of_their_own_learning(client: TestClient[Litestar]) -> None:
    asked = questions(client, "student")
    assert set(asked) == {
        "definition.shared_with",
        "vision.celebrates_growth",
        "student_agency.goal_setting",
        "student_agency.choices",
        "student_agency.inquiry",
        "student_agency.reflection",
        "classroom_practice.students_access_content_independently",
    }
    # How widely goals are set is a school's scale; a student answers for themselves, yes or no.
    assert asked["student_agency.goal_setting"]["kind"] == "bool"
    assert asked["student_agency.goal_setting"]["options"] == []
    assert asked["student_agency.choices"]["kind"] == "choices"


def test_families_are_asked_what_and_why(client: TestClient[Litestar]) -> None:
    assert set(questions(client, "family")) == {"definition.shared_with", "vision.written_why"}


def test_a_leader_is_asked_everything_in_the_forms_words(client: TestClient[Litestar]) -> None:
    leader = questions(client, "leader")
    form = client.get("/v1/questionnaire").json()
    assert form["role"] is None
    assert leader == {q["field"]: q for section in form["sections"] for q in section["questions"]}


def test_an_unknown_role_has_no_questionnaire(client: TestClient[Litestar]) -> None:
    response = client.get("/v1/questionnaire", params={"role": "pilot"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"


# --- combining ---------------------------------------------------------------------------------------------------


def test_a_fact_about_the_system_is_the_leaders_answer(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "definition.written", [True]),
        responses("teacher", "definition.written", [False] * 9),
    )
    written = field(answer, "definition.written")
    assert (written.value, written.rule, written.combined_from, written.respondents) == (
        True,
        "most_common",
        ("leader",),
        1,
    )
    assert answer.assessment.readiness is not None


def test_an_experienced_condition_is_the_most_common_answer_of_those_who_experience_it(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "professional_development.timely", [True]),
        responses("teacher", "professional_development.timely", [False] * 6 + [True] * 3),
    )
    timely = field(answer, "professional_development.timely")
    assert (timely.value, timely.respondents) == (False, 9)
    assert timely.explanation == "The most common answer of 9 teachers: no (6 of 9)."
    teachers = next(view for view in timely.by_role if view.role == "teacher")
    assert {(c.value, c.count) for c in teachers.counts} == {(False, 6), (True, 3)}


def test_a_tie_leaves_the_question_open(combiner: Combiner) -> None:
    answer = combine(combiner, responses("teacher", "measurement.formative_checks", [True] * 3 + [False] * 3))
    assert field(answer, "measurement.formative_checks").value is None
    assert "formative_checks" not in (json.loads(to_json(answer.assessment)).get("measurement") or {})


def test_a_number_is_the_median(combiner: Combiner) -> None:
    answer = combine(combiner, responses("teacher", "professional_development.days_per_year", [1, 2, 3, 10, 40, 50]))
    days = field(answer, "professional_development.days_per_year")
    assert (days.rule, days.value) == ("median", 3)


def test_a_list_keeps_the_items_more_than_half_name(combiner: Combiner) -> None:
    named = [["where", "how"], ["where"], ["where", "tools"], ["how"], ["where"]]
    answer = combine(combiner, responses("student", "student_agency.choices", named))
    assert field(answer, "student_agency.choices").value == ("where",)


@pytest.mark.parametrize(
    ("yes", "no", "expected"),
    [(0, 6, "none"), (1, 6, "few_classrooms"), (3, 3, "many_classrooms"), (5, 1, "schoolwide")],
)
def test_how_widely_is_the_share_of_students_who_say_they_do_it(
    combiner: Combiner, yes: int, no: int, expected: str
) -> None:
    answer = combine(combiner, responses("student", "student_agency.goal_setting", [True] * yes + [False] * no))
    goals = field(answer, "student_agency.goal_setting")
    assert (goals.rule, goals.value) == ("breadth", expected)


def test_a_group_shares_the_definition_when_most_of_it_knows_what_it_means(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "definition.shared_with", [["teachers", "leaders", "families"]]),
        responses("family", "definition.shared_with", [False] * 4 + [True]),
        responses("student", "definition.shared_with", [True] * 4 + [False]),
    )
    shared = field(answer, "definition.shared_with")
    # Families say they do not know it, students that they do; nobody asked teachers, so the leaders' list stands.
    assert (shared.rule, shared.value) == ("audience", ("teachers", "leaders", "students"))


# --- perception gaps ---------------------------------------------------------------------------------------------


def example_responses(examples: dict[str, list[Any]], path: str) -> list[dict[str, Any]]:
    return [r for role, values in examples.items() for r in responses(role, path, values)]  # type: ignore[arg-type]


def test_every_gap_rule_shows_on_its_example_and_stays_quiet_on_the_other(
    combiner: Combiner, respondents: Respondents
) -> None:
    assert respondents.gaps
    for gap in respondents.gaps:
        fires = combine(combiner, example_responses(gap.examples.fires, gap.field))  # type: ignore[arg-type]
        quiet = combine(combiner, example_responses(gap.examples.quiet, gap.field))  # type: ignore[arg-type]
        assert gap.id in {g.gap_id for g in fires.perception_gaps}, gap.id
        assert gap.id not in {g.gap_id for g in quiet.perception_gaps}, gap.id


def test_a_gap_is_said_in_words_with_the_counts_behind_it(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "professional_development.format", ["ongoing"]),
        responses("teacher", "professional_development.format", ["one_off"] * 14 + ["ongoing"] * 6),
    )
    (gap,) = answer.perception_gaps
    assert gap.gap_id == "pd-format-seen-differently" and (gap.first_role, gap.second_role) == ("leader", "teacher")
    assert gap.why.startswith(
        "Leaders answer that professional development is an ongoing system; 14 of 20 teachers answer otherwise "
        "(most often: a one-off event)."
    )
    assert gap.disagreement == 0.7 and [s.point for s in gap.sources] == ["M7"] and gap.next_steps


def test_a_question_without_a_rule_of_its_own_gets_the_generic_finding(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "measurement.tracks_mastery_per_student", [True]),
        responses("teacher", "measurement.tracks_mastery_per_student", [False] * 5),
    )
    (gap,) = answer.perception_gaps
    assert (gap.gap_id, gap.basis) == ("perception-gap", "practice")
    # Each group's answer to the question it was asked; "no" by itself, since all five answer it.
    assert gap.why == (
        "Leaders answer yes to “Can teachers see, per student, which skills are mastered and which gaps remain?”; "
        "asked “Can you see, for each student, which skills are mastered and which gaps remain?”, 5 of 5 teachers "
        "answer no."
    )
    assert {s.point for s in gap.sources} == {"M5"}


def test_a_school_whose_leaders_and_teachers_agree_has_no_gaps(combiner: Combiner) -> None:
    paths = ["professional_development.timely", "buy_in.support_at_each_stage", "mindset.mistakes_treated_as_learning"]
    groups = [
        responses("leader", path, [True]) + responses("teacher", path, [True] * 8 + [False] * 2) for path in paths
    ]
    answer = combine(combiner, *groups)
    assert answer.perception_gaps == ()
    pd = next(a for a in answer.agreement if a.area == "professional_development")
    assert pd.agreement == 0.8 and pd.compared == 1


def test_gaps_that_change_a_verdict_rank_first_foundations_before_other_rules(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        # Teachers describe ongoing support, so whether help is timely decides the support foundation (M7).
        responses("teacher", "professional_development.format", ["ongoing"] * 10),
        responses("leader", "professional_development.timely", [True]),
        responses("teacher", "professional_development.timely", [False] * 6 + [True] * 4),
        # Whether each student's mastery is tracked decides a rule, not a foundation.
        responses("leader", "measurement.tracks_mastery_per_student", [True]),
        responses("teacher", "measurement.tracks_mastery_per_student", [False] * 5),
        # Voluntary or by readiness: both sides' answers pass the same rules, however many disagree.
        responses("leader", "buy_in.approach", ["voluntary"]),
        responses("teacher", "buy_in.approach", ["readiness_based"] * 10),
    )
    assert [g.field for g in answer.perception_gaps] == [
        "professional_development.timely",
        "measurement.tracks_mastery_per_student",
        "buy_in.approach",
    ]
    assert [g.rank for g in answer.perception_gaps] == [1, 2, 3]


def test_gaps_that_change_verdicts_alike_are_ranked_by_how_many_disagree(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "measurement.formative_checks", [True]),
        responses("teacher", "measurement.formative_checks", [False] * 3 + [True] * 2),
        responses("leader", "measurement.tracks_mastery_per_student", [True]),
        responses("teacher", "measurement.tracks_mastery_per_student", [False] * 5),
    )
    assert [g.field for g in answer.perception_gaps] == [
        "measurement.tracks_mastery_per_student",
        "measurement.formative_checks",
    ]


def test_a_gap_quotes_the_question_each_group_was_asked(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "vision.written_why", [True]),
        responses("family", "vision.written_why", [False] * 5 + [True]),
    )
    (gap,) = answer.perception_gaps
    assert gap.why == (
        "Leaders answer yes to “Is there a written statement of why the school is personalizing learning?”; asked "
        "“Has the school told you why it is changing the way students learn?”, 5 of 6 families answer no."
    )


def test_teachers_and_students_answering_for_themselves_are_each_quoted_with_their_counts(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("teacher", "student_agency.inquiry", [True] * 5 + [False] * 5),
        responses("student", "student_agency.inquiry", [False] * 14 + [True] * 6),
    )
    (gap,) = answer.perception_gaps
    assert gap.why.startswith("5 of 10 teachers answer yes to “Do the students in your classes research")
    assert gap.why.endswith("”, 14 of 20 students answer no.")


# --- strengths resting on the leaders' word --------------------------------------------------------------------


def strength_titles(answer: CombinedAssessment) -> set[str]:
    return {s.title for s in answer.assessment.strengths}


def test_a_strength_on_the_leaders_word_is_not_claimed_when_most_teachers_contradict_it(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "buy_in.approach", ["voluntary"]),
        responses("teacher", "buy_in.approach", ["mandate_all_by_date"] * 7 + ["voluntary"] * 3),
    )
    assert "Teachers join at their own pace" not in strength_titles(answer)
    approach = field(answer, "buy_in.approach")
    assert approach.value is None
    assert approach.explanation == (
        "Leaders answer voluntary participation, but 7 of 10 teachers answer otherwise, so the question stays open "
        "until they agree."
    )
    # Neither the strength nor the mandate's gap: the perception gap it is, saying what is not claimed.
    assert "buy-in-mandated" not in {r.rule_id for r in answer.assessment.recommendations if r.kind == "gap"}
    (gap,) = answer.perception_gaps
    assert gap.gap_id == "entry-seen-differently"
    assert gap.why.endswith("Until they agree, “Teachers join at their own pace” is not counted as a strength.")


@pytest.mark.parametrize(
    "teachers",
    [
        pytest.param(["mandate_all_by_date"] * 5 + ["readiness_based"] * 5, id="half-is-not-most"),
        pytest.param(["voluntary"] * 7 + ["mandate_all_by_date"] * 3, id="most-differ-but-also-earn-it"),
    ],
)
def test_a_strength_on_the_leaders_word_stands_unless_most_of_a_shown_group_contradict_it(
    combiner: Combiner, teachers: list[str]
) -> None:
    answer = combine(
        combiner,
        responses("leader", "buy_in.approach", ["readiness_based"]),
        responses("teacher", "buy_in.approach", teachers),
    )
    assert "Teachers join at their own pace" in strength_titles(answer)
    assert field(answer, "buy_in.approach").value == "readiness_based"


def test_teachers_under_the_floor_do_not_take_away_a_strength(combiner: Combiner) -> None:
    """Were the strength withdrawn, its absence would tell how four teachers answered."""
    answer = combine(
        combiner,
        responses("leader", "buy_in.approach", ["voluntary"]),
        responses("teacher", "buy_in.approach", ["mandate_all_by_date"] * 4),
    )
    assert "Teachers join at their own pace" in strength_titles(answer)


# --- where teachers are ------------------------------------------------------------------------------------------


def test_teachers_stages_are_counted_with_the_support_each_group_needs(combiner: Combiner) -> None:
    stages = ["exploring"] * 3 + ["trying"] * 2 + ["leading"]
    request = CombinedRequest.model_validate(
        {"responses": [{"role": "teacher", "stage": stage, "answers": {}} for stage in stages]}, strict=True
    )
    counted = combiner.combine(request).teacher_stages
    assert counted.shown and counted.respondents == 6
    assert {s.stage: s.teachers for s in counted.stages} == {
        "not_started": 0,
        "exploring": 3,
        "trying": 2,
        "practising": 0,
        "leading": 1,
    }
    assert all(s.support for s in counted.stages)


def test_advice_on_bringing_teachers_in_adds_support_for_each_group_of_teachers(combiner: Combiner) -> None:
    stages = ["exploring"] * 4 + ["trying"] * 2
    body = {
        "responses": [
            {"role": "leader", "answers": answers("buy_in.approach", "mandate_all_by_date")},
            *({"role": "teacher", "stage": stage, "answers": {}} for stage in stages),
        ]
    }
    answer = combiner.combine(CombinedRequest.model_validate(body, strict=True))
    mandated = next(r for r in answer.assessment.recommendations if r.rule_id == "buy-in-mandated")
    assert mandated.next_steps[-2:] == (
        "4 teachers exploring: Time with colleagues to see the practices in use and name a strength and a struggle.",
        "2 teachers trying: Coaching in the week a question comes up, and permission to adjust what did not work.",
    )
    # Below the floor, the groups are not shown, in the plan either.
    few = {"responses": body["responses"][:5]}
    plain = combiner.combine(CombinedRequest.model_validate(few, strict=True))
    steps = next(r for r in plain.assessment.recommendations if r.rule_id == "buy-in-mandated").next_steps
    assert not any("teachers exploring" in step for step in steps)


# --- anonymity ---------------------------------------------------------------------------------------------------


def test_a_role_with_four_respondents_is_never_shown_by_role(combiner: Combiner) -> None:
    answer = combine(
        combiner,
        responses("leader", "student_agency.goal_setting", ["schoolwide"]),
        responses("student", "student_agency.goal_setting", [False] * 4),
        responses("leader", "professional_development.timely", [True]),
        responses("teacher", "professional_development.timely", [False] * 4),
    )
    assert shown_roles(answer) == {"leader"}
    assert answer.perception_gaps == ()
    # The four students still count toward the school's answer, without their counts.
    goals = field(answer, "student_agency.goal_setting")
    assert goals.value == "none" and goals.explanation == "4 students answered, which places the school at: none."
    request = CombinedRequest.model_validate(
        {"responses": [{"role": "teacher", "stage": "trying", "answers": {}} for _ in range(4)]}, strict=True
    )
    assert combiner.combine(request).teacher_stages.stages == ()


@pytest.mark.parametrize(
    ("teachers", "coaches", "who"),
    [
        pytest.param(10, 1, "10 teachers and 1 coach", id="beside-a-shown-role"),
        pytest.param(3, 3, "3 teachers and 3 coaches", id="two-roles-each-under-the-floor"),
    ],
)
def test_no_count_pools_a_role_under_the_floor(combiner: Combiner, teachers: int, coaches: int, who: str) -> None:
    """Seven of eleven beside six of ten teachers would tell what the one coach answered."""
    answer = combine(
        combiner,
        responses("teacher", "professional_development.timely", [False] * (teachers - teachers // 2 + 1)),
        responses("teacher", "professional_development.timely", [True] * (teachers // 2 - 1)),
        responses("coach", "professional_development.timely", [False] * coaches),
    )
    timely = field(answer, "professional_development.timely")
    assert timely.explanation == f"The most common answer of {who}: no."
    assert {view.role for view in timely.by_role} <= {"teacher"}


def test_the_floor_is_a_setting(advisor: Advisor, respondents: Respondents) -> None:
    lenient = Combiner(advisor, respondents, 3)
    answer = combine(lenient, responses("student", "student_agency.goal_setting", [False] * 4))
    assert shown_roles(answer) == {"student"} and answer.minimum_group == 3


def test_respondent_ids_are_never_echoed(client: TestClient[Litestar]) -> None:
    body = {
        "responses": [
            {
                "role": "teacher",
                "respondent_id": f"secret-{i}",
                "answers": answers("measurement.formative_checks", True),
            }
            for i in range(6)
        ]
    }
    response = client.post("/v1/assessments/combined", json=body)
    assert response.status_code == 200 and "secret-" not in response.text


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field_name"),
    [
        pytest.param({"responses": [{"role": "pilot", "answers": {}}]}, "responses.0", id="unknown-role"),
        pytest.param(
            {
                "responses": [
                    {"role": "leader"},
                    {"role": "student", "answers": answers("tools.plan_centre", "devices")},
                ]
            },
            "responses.1.student.answers.tools",
            id="a-section-the-role-is-not-asked",
        ),
        pytest.param(
            {"responses": [{"role": "teacher", "answers": answers("buy_in.full_implementation_expected_months", 12)}]},
            "responses.0.teacher.answers.buy_in.full_implementation_expected_months",
            id="a-field-the-role-is-not-asked",
        ),
        pytest.param(
            {"responses": [{"role": "student", "answers": answers("student_agency.goal_setting", "schoolwide")}]},
            "responses.0.student.answers.student_agency.goal_setting",
            id="the-schools-scale-from-a-student",
        ),
        pytest.param({"responses": []}, "responses", id="no-responses"),
        pytest.param(
            {"responses": [{"role": "family", "stage": "trying"}]}, "responses.0.family.stage", id="stage-not-teacher"
        ),
    ],
)
def test_bad_responses_get_a_422_naming_the_item_and_field(
    client: TestClient[Litestar], body: dict[str, Any], field_name: str
) -> None:
    response = client.post("/v1/assessments/combined", json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "urn:pladvisor:problem:invalid-body"
    assert any(error["field"].startswith(field_name) for error in problem["errors"]), problem["errors"]


def test_a_request_built_directly_is_checked_as_strictly(combiner: Combiner) -> None:
    from pladvisor.advice.combined_request import CombineError

    request = CombinedRequest.model_validate(
        {"responses": [{"role": "student", "answers": answers("tools.plan_centre", "devices")}]}, strict=True
    )
    with pytest.raises(CombineError) as raised:
        combiner.combine(request)
    assert [(e.field, e.message) for e in raised.value.errors] == [
        ("responses.0.answers.tools.plan_centre", "students are not asked this question")
    ]


# --- the declarations are checked on load ------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


@pytest.mark.parametrize(
    ("file", "old", "new", "named"),
    [
        pytest.param(
            "roles.yaml",
            "  definition.origin:\n",
            "  definition.origins:\n",
            "field 'definition.origins'",
            id="unknown-field",
        ),
        pytest.param(
            "roles.yaml",
            "  tools.teachers_decide_platform_use:\n    from: [teacher]",
            "  tools.teachers_decide_platform_use:\n    from: [student]",
            "field 'tools.teachers_decide_platform_use': combines the answers of student, who are not asked it",
            id="counted-but-not-asked",
        ),
        pytest.param(
            "roles.yaml",
            "stages_inform: [buy-in-mandated,",
            "stages_inform: [buy-in-mandatory,",
            "stages_inform names buy-in-mandatory, which are not gap rules",
            id="stages-inform-an-unknown-rule",
        ),
        pytest.param(
            "gaps.yaml",
            "    field: professional_development.timely\n",
            "    field: professional_development.punctual\n",
            "rule 'pd-timeliness-seen-differently'",
            id="gap-on-unknown-field",
        ),
        pytest.param(
            "gaps.yaml",
            "    between: [leader, student]\n",
            "    between: [leader, family]\n",
            "rule 'goal-setting-seen-differently': compares family, who is not asked",
            id="gap-between-a-role-not-asked",
        ),
    ],
)
def test_a_mistake_in_the_declarations_names_the_file_and_the_field_or_rule(
    advisor: Advisor, rules_copy: Path, file: str, old: str, new: str, named: str
) -> None:
    path = rules_copy / "respondents" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as raised:
        load_respondents(rules_copy, advisor.catalog)
    assert file in str(raised.value) and named in str(raised.value)


def test_every_sentence_of_the_example_districts_combined_answers_reads_well(
    combiner: Combiner, respondents: Respondents
) -> None:
    from pladvisor.advice.sentences import problems
    from pladvisor.cli import combining

    class Refuse:
        def write(self, line: int, school_id: str | None, errors: Any) -> None:
            raise AssertionError(f"line {line}: {errors}")

    example = Path(__file__).resolve().parents[1] / "examples" / "respondents.csv"
    schools = combining.group(combining.read_rows(example, respondents, {}), Refuse())  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    gaps = 0
    for school in schools:
        answer = combiner.combine(CombinedRequest(school_id=school.school_id, responses=school.responses))
        texts = [(f.explanation, True) for f in answer.combined]
        gaps += len(answer.perception_gaps)
        for gap in answer.perception_gaps:
            texts += [(gap.title, False), (gap.why, True), *((step, True) for step in gap.next_steps)]
        for text, whole in texts:
            wrong = problems(text, whole_sentence=whole)
            if wrong:
                found[text] = wrong
    assert gaps >= 10 and found == {}
