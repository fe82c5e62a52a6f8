"""API key authentication on /graphql."""

from __future__ import annotations

import pytest

from tenants.models import ApiKey
from tenants.services import create_api_key, hash_key, revoke_api_key

WORKSPACE_QUERY = "{ workspace { slug name scopes } }"


def test_valid_key_resolves_its_workspace(gql, acme, globex):
    assert gql(acme.keys["all"]).execute(WORKSPACE_QUERY)["workspace"]["slug"] == "acme"
    assert gql(globex.keys["read"]).execute(WORKSPACE_QUERY)["workspace"] == {
        "slug": "globex",
        "name": "Globex Help Desk",
        "scopes": ["read"],
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "api_key_missing"),
        ("", "api_key_missing"),
        ("Basic dXNlcjpwYXNz", "api_key_malformed"),
        ("Bearer", "api_key_malformed"),
        ("Bearer not-a-key", "api_key_malformed"),
        ("Bearer aixs_" + "A" * 43, "api_key_unknown"),
    ],
)
def test_bad_key_gets_401_naming_the_problem(client, db, workspaces, header, code):
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.post("/graphql", data={"query": WORKSPACE_QUERY}, content_type="application/json", **headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_revoked_key_gets_401(client, db, acme):
    issued = create_api_key(acme.workspace, ["read"])
    revoke_api_key(issued.api_key)

    response = client.post(
        "/graphql",
        data={"query": WORKSPACE_QUERY},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.secret}",
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_revoked"


def test_keys_are_stored_only_as_hashes(db, acme):
    issued = create_api_key(acme.workspace, ["read"])
    stored = ApiKey.objects.get(pk=issued.api_key.pk)

    assert stored.key_hash == hash_key(issued.secret)
    assert issued.secret not in {str(value) for value in stored.__dict__.values()}


def test_use_records_last_used_time(gql, acme):
    issued = create_api_key(acme.workspace, ["read"])
    assert issued.api_key.last_used_at is None

    gql(issued.secret).execute(WORKSPACE_QUERY)

    assert ApiKey.objects.get(pk=issued.api_key.pk).last_used_at is not None


def test_graphql_never_falls_back_to_public_schema(client, db, workspaces):
    response = client.post("/graphql", data={"query": WORKSPACE_QUERY}, content_type="application/json")

    assert response.status_code == 401


def test_oversized_body_gets_413_naming_the_limit(client, db, acme, settings):
    settings.GRAPHQL_MAX_BODY_BYTES = 2048
    response = client.post(
        "/graphql",
        data={"query": WORKSPACE_QUERY, "padding": "x" * 4096},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {acme.keys['read']}",
    )

    assert response.status_code == 413
    assert "2048" in response.json()["error"]["message"]


def test_client_mistakes_logged_as_warnings(gql, acme, caplog):
    with caplog.at_level("WARNING"):
        response = gql(acme.keys["read"]).post("{ workspace { noSuchField } }")

    assert response.status_code == 200
    assert "errors" in response.json()
    rejected = [record for record in caplog.records if record.name == "api.client_errors"]
    assert len(rejected) == 1
    assert rejected[0].levelname == "WARNING"
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
