"""Output of the demo: one short line per step, warnings and the closing usage notes."""

from __future__ import annotations

import sys

STEP_WIDTH = 11


def line(text: str) -> None:
    print(text, flush=True)


def step(name: str, detail: str) -> None:
    line(f"{name + ':':<{STEP_WIDTH}} {detail}")


def step_line(text: str) -> None:
    """Print a step given as one `Name: detail` string."""
    name, _, detail = text.partition(": ")
    step(name, detail)


def warn(text: str) -> None:
    print(f"Warning: {text}", file=sys.stderr, flush=True)


def fail(text: str) -> None:
    print(f"Demo failed: {text}", file=sys.stderr, flush=True)


EXAMPLE_QUERIES = """\
  # The ten lowest-scored conversations with their explanation
  {{ conversations(orderBy: SCORE_ASC, first: 10) {{ ... on ConversationConnection {{
      edges {{ node {{ externalId latestScore {{ rating overall summary signals {{ code effect reason }} }} }} }} }} }} }}

  # One conversation with its transcript and per-message sentiment
  {{ conversation(externalId: "{example_id}") {{ ... on Conversation {{
      latestScore {{ rating resolution efficiency sentiment outcome }}
      messages {{ index role text sentiment {{ label value }} }} }} }} }}

  # Scores as they are stored (a subscription: run it, then send conversations)
  subscription {{ scoreUpdated {{ ... on ScoreUpdate {{ externalId score {{ rating overall summary }} }} }} }}"""


def usage(base_url: str, api_key: str, workspace: str, example_id: str) -> str:
    return "\n".join(
        [
            f"GraphiQL:   {base_url}/graphql (open it in a browser)",
            f"API key:    {api_key} (workspace {workspace}; paste as header "
            f'{{"Authorization": "Bearer {api_key}"}} in the headers panel)',
            "Try these queries:",
            "",
            EXAMPLE_QUERIES.format(example_id=example_id),
        ]
    )
