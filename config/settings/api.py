"""GraphQL API limits and switches."""

from config.env import env_bool, env_int

GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", True)
GRAPHQL_GRAPHIQL = env_bool("GRAPHQL_GRAPHIQL", True)
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10, minimum=1)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 30, minimum=1)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 5000, minimum=100)
# Estimated fields resolved by one operation: nested selections multiplied by `first`.
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 100_000, minimum=100)
GRAPHQL_MAX_BODY_BYTES = env_int("GRAPHQL_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)

INGEST_MAX_CONVERSATIONS_PER_CALL = env_int("INGEST_MAX_CONVERSATIONS_PER_CALL", 500, minimum=1)
