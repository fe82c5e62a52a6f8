"""Editing the scoring configuration in the workspace admin."""

from __future__ import annotations

import json

import pytest

from scoring.models import ScoringConfigVersion
from tests.pipeline.conftest import in_schema

ADD_URL = "/admin/scoring/scoringconfigversion/add/"


@pytest.fixture
def admin_client(client, db, acme):
    from django.contrib.auth.models import User

    def log_in() -> None:
        user = User.objects.create_superuser("config-admin", "admin@acme.test", "a-long-password-1")
        client.force_login(user)

    # The session and the user row live in the workspace's schema.
    in_schema(acme.slug, log_in)
    return client


def test_add_form_prefilled_with_current_config(admin_client, acme):
    response = admin_client.get(ADD_URL, HTTP_HOST="acme.localhost")

    assert response.status_code == 200
    initial = json.loads(response.context["adminform"].form["values_json"].value())
    assert initial["weights"] == {"resolution": 0.4, "efficiency": 0.3, "sentiment": 0.3}


def test_saving_form_creates_version(admin_client, acme):
    values = {"weights": {"resolution": 2, "efficiency": 1, "sentiment": 1}, "thresholds": {"excellent": 85, "good": 60}}

    response = admin_client.post(ADD_URL, {"values_json": json.dumps(values)}, HTTP_HOST="acme.localhost")

    assert response.status_code == 302
    [version] = in_schema(acme.slug, lambda: list(ScoringConfigVersion.objects.all()))
    assert version.version == 1
    assert version.created_by == "config-admin"
    assert version.values["weights"] == {"resolution": 0.5, "efficiency": 0.25, "sentiment": 0.25}
    assert version.values["thresholds"]["excellent"] == 85


def test_invalid_form_shows_field_paths(admin_client, acme):
    values = {"weights": {"sentiment": -2}, "rules": {"expected_customer_turns": 0}}

    response = admin_client.post(ADD_URL, {"values_json": json.dumps(values)}, HTTP_HOST="acme.localhost")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["values_json"]
    assert any(error.startswith("weights.sentiment: ") for error in errors)
    assert any(error.startswith("rules.expected_customer_turns: ") for error in errors)
    assert in_schema(acme.slug, ScoringConfigVersion.objects.count) == 0


def test_invalid_json_reports_position(admin_client, acme):
    response = admin_client.post(ADD_URL, {"values_json": '{"weights": '}, HTTP_HOST="acme.localhost")

    [error] = response.context["adminform"].form.errors["values_json"]
    assert error.startswith("Invalid JSON at line 1")
