"""The request examples of the API document: one for every body an operation takes, each one the service
accepts (a test sends every one of them), so that a reader can try the API from its description."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.spec import RequestBody

EXAMPLE_PROFILE: dict[str, Any] = {
    "school_id": "ridge-07",
    "name": "Ridge Middle School",
    "definition": {"written": False},
    "tools": {"plan_centre": "devices", "purchased_before_goals": ["devices"], "chosen_after_goals": False},
    "professional_development": {"format": "one_off", "days_per_year": 1},
    "buy_in": {"approach": "mandate_all_by_date"},
    "measurement": {"problem_defined": True},
    "vision": {"written_why": False},
}
"""A district that bought devices first, mandates every teacher by a date and has no written definition."""
LATER_PROFILE: dict[str, Any] = {
    **EXAMPLE_PROFILE,
    "definition": {"written": True, "shared_with": ["teachers", "leaders"]},
    "buy_in": {"approach": "readiness_based", "support_at_each_stage": True},
}
EXAMPLE_RESPONSES: dict[str, Any] = {
    "school_id": "oak-01",
    "name": "Oak Primary",
    "responses": [
        {
            "role": "leader",
            "answers": {
                "professional_development": {"format": "ongoing", "timely": True},
                "buy_in": {"approach": "readiness_based", "support_at_each_stage": True},
                "definition": {"written": True, "shared_with": ["teachers", "leaders", "families"]},
            },
        },
        *(
            {
                "role": "teacher",
                "stage": stage,
                "answers": {
                    "professional_development": {"format": "one_off", "timely": False},
                    "buy_in": {"support_at_each_stage": False},
                    "definition": {"shared_with": True},
                },
            }
            for stage in ("exploring", "exploring", "trying", "trying", "practising")
        ),
        *(
            {"role": "student", "answers": {"student_agency": {"goal_setting": goals, "choices": ["where"]}}}
            for goals in (True, False, False, False, True)
        ),
    ],
}
REQUEST_EXAMPLES: dict[str, Any] = {
    "/v1/schools/{school_id}/embeds": {"origins": ["https://portal.example.org"], "view": "card"},
    "/v1/schools/{school_id}/actions": {
        "assessment_id": "an id from POST /v1/schools/{school_id}/assessments",
        "rule_id": "why-missing",
        "owner": "Ms Rivera, assistant principal",
        "due_on": "2026-12-15",
    },
    "/v1/schools/{school_id}/surveys": {
        "roles": {"leader": {"roster": 3}, "teacher": {"roster": 24}, "family": {"roster": 300, "shared_link": True}},
        "closes_on": "2027-06-30",
        "languages": ["en", "es"],
    },
    "/v1/schools/{school_id}/surveys/{survey_id}/consensus": {
        "assessed_on": "2027-07-01",
        "answers": [
            {
                "field": "definition.shared_with",
                "value": ["teachers", "leaders"],
                "note": "The definition was never sent to families; leaders agreed to send it this term.",
            }
        ],
        "note": "Agreed at the staff meeting of 1 July.",
    },
    "/v1/districts": {"name": "North Valley Unified"},
    "/v1/districts/{district_id}/schools": {"name": "Oak Primary", "external_id": "oak-01", "need": 38.5},
    "/v1/schools/{school_id}/assessments": {"assessed_on": "2026-09-15", "profile": EXAMPLE_PROFILE},
    "/v1/assessments": EXAMPLE_PROFILE,
    "/v1/assessments/what-if": EXAMPLE_PROFILE,
    "/v1/rules/{rule_id}/check": EXAMPLE_PROFILE,
    "/v1/assessments/combined": EXAMPLE_RESPONSES,
    "/v1/schools/{school_id}/assessments/combined": {"assessed_on": "2026-09-15", **EXAMPLE_RESPONSES},
    "/v1/reports": EXAMPLE_PROFILE,
    "/v1/assessments/batch": [EXAMPLE_PROFILE, {**LATER_PROFILE, "school_id": "oak-02", "name": "Oak Primary"}],
    "/v1/assessments/compare": {"before": EXAMPLE_PROFILE, "after": LATER_PROFILE},
}

PATCH_EXAMPLES: dict[str, Any] = {
    "/v1/schools/{school_id}/actions/{action_id}": {"status": "done"},
}


def document_examples(app: Litestar) -> None:
    paths = app.openapi_schema.paths or {}
    for method, examples in (("post", REQUEST_EXAMPLES), ("patch", PATCH_EXAMPLES)):
        for path, example in examples.items():
            operation = getattr(paths[path], method)
            if operation is not None and isinstance(operation.request_body, RequestBody):
                for media in operation.request_body.content.values():
                    media.example = example
