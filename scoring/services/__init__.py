"""Scoring services: configuration versions, scoring jobs and rescoring runs.

Every function runs in the schema the connection is on. Resolvers, actors,
commands and tests enter a workspace with `tenants.context.call_in_schema`
(or `run_in_schema`) and call these.
"""

from scoring.services.configs import (
    DEFAULT_VERSION,
    ConfigUpdateResult,
    ConfigVersionView,
    current_config,
    current_version,
    get_config_version,
    list_config_versions,
    update_config,
)
from scoring.services.rescoring import RescoreSelection, get_rescore_run, record_rescore_outcome, start_rescore
from scoring.services.scoring import (
    TRANSIENT_ERRORS,
    BatchOutcome,
    current_model_version,
    mark_batch_failed,
    mark_failed,
    score_batch,
    scoring_key,
    signals_json,
)

__all__ = [
    "DEFAULT_VERSION",
    "TRANSIENT_ERRORS",
    "BatchOutcome",
    "ConfigUpdateResult",
    "ConfigVersionView",
    "RescoreSelection",
    "current_config",
    "current_model_version",
    "current_version",
    "get_config_version",
    "get_rescore_run",
    "list_config_versions",
    "mark_batch_failed",
    "mark_failed",
    "record_rescore_outcome",
    "score_batch",
    "scoring_key",
    "signals_json",
    "start_rescore",
]
