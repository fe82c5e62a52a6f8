"""Dramatiq broker selection (see scoring/broker.py)."""

from config.env import env_bool, env_int, env_str

# redis://, amqp:// or postgresql://. Empty means the PostgreSQL broker on DATABASE_URL.
BROKER_URL = env_str("BROKER_URL", "")

# Tests swap in Dramatiq's StubBroker and run jobs inline.
DRAMATIQ_STUB_BROKER = env_bool("DRAMATIQ_STUB_BROKER", False)

# How long a silent worker keeps its messages before another worker takes
# them over: the PostgreSQL broker's heartbeat TTL, and Redis's heartbeat timeout.
BROKER_HEARTBEAT_TTL_SECONDS = env_int("BROKER_HEARTBEAT_TTL_SECONDS", 60, minimum=2)
BROKER_HEARTBEAT_TIMEOUT_SECONDS = env_int("BROKER_HEARTBEAT_TIMEOUT_SECONDS", 60, minimum=1)
