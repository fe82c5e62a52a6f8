"""The ingest API: the ingestConversations mutation."""

from api.ingest.mutations import IngestMutation

queries: list[type] = []
mutations = [IngestMutation]
subscriptions: list[type] = []
