"""The configuration API: scoring configuration versions and rescoring runs."""

from api.config.mutations import ConfigMutation
from api.config.queries import ConfigQuery

queries: list[type] = [ConfigQuery]
mutations: list[type] = [ConfigMutation]
subscriptions: list[type] = []
