"""Dramatiq broker selection (see scoring/broker.py)."""

from config.env import env_bool, env_str

# redis://, amqp:// or postgresql://. Empty means the PostgreSQL broker on DATABASE_URL.
BROKER_URL = env_str("BROKER_URL", "")

# Tests swap in Dramatiq's StubBroker and run jobs inline.
DRAMATIQ_STUB_BROKER = env_bool("DRAMATIQ_STUB_BROKER", False)
