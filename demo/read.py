"""Reading scoring progress and the report's data through the read API (`conversation`, `conversations`)."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from demo.graphql_client import GraphQLClient, GraphQLRequestFailed

PAGE_SIZE = 100  # the read API's maximum page size
MAX_ALIASES_PER_QUERY = 25  # below GRAPHQL_MAX_ALIASES (default 30)

STATUS_FIELDS = "id scoringStatus scoringError"
SCORE_FIELDS = (
    "id externalId scoringStatus scoringError "
    "latestScore { overall rating resolution efficiency sentiment outcome insufficientData }"
)

CONVERSATIONS_PAGE = """
query DemoConversations($first: Int!, $after: String) {
  conversations(first: $first, after: $after) {
    __typename
    ... on ConversationConnection {
      edges { node { %s } }
      pageInfo { hasNextPage endCursor }
    }
    ... on Error { message }
  }
}
"""

CONVERSATION_DETAIL = """
query DemoConversation($id: ID!) {
  conversation(id: $id) {
    __typename
    ... on Conversation {
      id externalId
      latestScore {
        overall rating resolution efficiency sentiment outcome summary
        signals { code component effect reason messageIndices }
      }
    }
    ... on Error { message }
  }
}
"""


def iterate_conversations(client: GraphQLClient, fields: str) -> Iterator[dict]:
    """Yield every conversation of the workspace, page by page.

    Raises GraphQLRequestFailed when a page request fails or returns a typed error.
    """
    query = CONVERSATIONS_PAGE % fields
    after = None
    while True:
        result = client.execute(query, {"first": PAGE_SIZE, "after": after})["conversations"]
        if result.get("__typename") != "ConversationConnection":
            raise GraphQLRequestFailed(f"conversations query rejected: {result.get('message')}")
        for edge in result["edges"]:
            yield edge["node"]
        page = result["pageInfo"]
        if not page["hasNextPage"]:
            return
        after = page["endCursor"]


def fetch_statuses(client: GraphQLClient, conversation_ids: Collection[str]) -> dict[str, tuple[str, str | None]]:
    """Return conversation id -> (scoring status in lower case, scoring error) for the given ids.

    A few ids are read with aliased `conversation` lookups in one request;
    many are read by paging through the workspace's conversations.
    """
    wanted = set(conversation_ids)
    if len(wanted) <= MAX_ALIASES_PER_QUERY:
        nodes = _lookup_by_alias(client, sorted(wanted))
    else:
        nodes = (node for node in iterate_conversations(client, STATUS_FIELDS) if node["id"] in wanted)
    return {node["id"]: (node["scoringStatus"].lower(), node.get("scoringError")) for node in nodes}


def _lookup_by_alias(client: GraphQLClient, conversation_ids: list[str]) -> list[dict]:
    if not conversation_ids:
        return []
    selections = "\n".join(
        f'  c{index}: conversation(id: "{int(conversation_id)}") {{ ... on Conversation {{ {STATUS_FIELDS} }} }}'
        for index, conversation_id in enumerate(conversation_ids)
    )
    data = client.execute(f"query DemoStatuses {{\n{selections}\n}}")
    return [node for node in data.values() if node and "scoringStatus" in node]


def fetch_scored(client: GraphQLClient, conversation_ids: Collection[str]) -> list[dict]:
    """Return the listed conversations with their latest score's figures (no summaries)."""
    wanted = set(conversation_ids)
    return [node for node in iterate_conversations(client, SCORE_FIELDS) if node["id"] in wanted]


def fetch_detail(client: GraphQLClient, conversation_id: str) -> dict:
    """Return one conversation with its latest score's summary and signals."""
    result = client.execute(CONVERSATION_DETAIL, {"id": conversation_id})["conversation"]
    if result.get("__typename") != "Conversation":
        raise GraphQLRequestFailed(f"conversation {conversation_id} could not be read: {result.get('message')}")
    return result
