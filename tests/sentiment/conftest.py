"""One builtin analyzer per test session: loading the encoder takes seconds."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(scope="session")
def analyzer():
    from scoring.sentiment import get_analyzer

    started = time.perf_counter()
    loaded = get_analyzer("builtin")
    print(f"\nbuiltin sentiment model {loaded.version} loaded in {time.perf_counter() - started:.1f} s")
    return loaded
