"""Live subscriptions over websockets: score updates and rescoring progress."""

queries: list[type] = []
mutations: list[type] = []


def __getattr__(name: str):
    # `subscriptions` is loaded on first access (when the schema is built),
    # because api.config.types imports api.live.types, and api.live.resolvers
    # in turn needs api.config.types fully loaded.
    if name == "subscriptions":
        from api.live.resolvers import LiveSubscription

        return [LiveSubscription]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
