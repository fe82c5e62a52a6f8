"""Logging filter and formatter: the workspace schema on every record, JSON lines on request."""

import json
import logging
from datetime import UTC, datetime


class WorkspaceSchemaFilter(logging.Filter):
    """Stamp the current connection's schema on each record as `schema_name`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "schema_name"):
            record.schema_name = _current_schema_name()
        return True


def _current_schema_name() -> str:
    try:
        from django.db import connection

        return getattr(connection, "schema_name", "-") or "-"
    except Exception:  # noqa: BLE001 - logging must never fail because Django is not ready
        return "-"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "schema": getattr(record, "schema_name", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)
