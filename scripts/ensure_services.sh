#!/usr/bin/env bash
# Make sure the local PostgreSQL (and Redis and RabbitMQ, for the end-to-end worker tests) accept connections.
# Starts the Debian clusters when they are down; does nothing when DATABASE_URL
# points elsewhere and accepts connections.
set -uo pipefail

pg_host="${PGHOST:-127.0.0.1}"
if ! pg_isready -q -h "$pg_host" -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        version="$(ls /etc/postgresql | sort -V | tail -1)"
        echo "PostgreSQL is down; starting cluster $version/main" >&2
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    fi
    for _ in $(seq 1 30); do
        pg_isready -q -h "$pg_host" -p 5432 && break
        sleep 1
    done
fi
if ! pg_isready -q -h "$pg_host" -p 5432; then
    echo "PostgreSQL at $pg_host:5432 is not accepting connections. Start it, or set DATABASE_URL." >&2
    exit 1
fi

if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if command -v redis-server >/dev/null; then
        echo "Redis is down; starting it" >&2
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    fi
fi
if command -v rabbitmqctl >/dev/null && ! (echo > /dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    echo "RabbitMQ is down; starting it" >&2
    rabbitmq-server -detached || true
fi
exit 0
