"""A minimal GraphQL-over-HTTP client for the demo (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

REQUEST_TIMEOUT_SECONDS = 300


class GraphQLRequestFailed(RuntimeError):
    """The HTTP request failed or the response carried top-level GraphQL errors."""


class GraphQLErrorsReturned(GraphQLRequestFailed):
    """The server answered, but with top-level GraphQL errors (for example an input of the wrong type)."""


class GraphQLClient:
    def __init__(self, base_url: str, api_key: str):
        self.endpoint = f"{base_url}/graphql"
        self.api_key = api_key

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run one operation and return its `data`.

        Raises GraphQLRequestFailed on an HTTP error or when the response has
        top-level `errors` (those are bugs or invalid queries, never expected failures).
        """
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.api_key}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:500]
            raise GraphQLRequestFailed(f"{self.endpoint} returned HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            raise GraphQLRequestFailed(f"Request to {self.endpoint} failed: {error}") from None
        if payload.get("errors"):
            messages = "; ".join(str(item.get("message")) for item in payload["errors"][:3])
            raise GraphQLErrorsReturned(f"GraphQL errors: {messages}")
        return payload.get("data") or {}
