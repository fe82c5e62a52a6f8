"""Helpers that build `Signal` values with rounded effects."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scoring.engine.rulebook import Rulebook
from scoring.engine.types import Component, Signal


def make_signal(component: Component, code: str, effect: float, indices: Sequence[int], reason: str) -> Signal:
    return Signal(
        component=component,
        code=code,
        effect=round(float(effect), 1),
        message_indices=tuple(sorted(set(indices))),
        reason=reason,
    )


def capped_signal(
    component: Component,
    code: str,
    indices: Sequence[int],
    rules: Rulebook,
    constant_prefix: str,
    reason: Callable[[int], str],
) -> list[Signal]:
    """Return one signal for a rule that fires per message, or none when it never fired.

    The effect is `<prefix>_effect` points per message, counted up to
    `<prefix>_max_count` messages from the rules file.
    """
    if not indices:
        return []
    count = len(set(indices))
    counted = min(count, int(rules.constant(f"{constant_prefix}_max_count")))
    effect = rules.constant(f"{constant_prefix}_effect") * counted
    return [make_signal(component, code, effect, indices, reason(count))]


def times(count: int) -> str:
    """Return the count suffix of a reason: empty for once, " (3 times)" otherwise."""
    return "" if count == 1 else f" ({count} times)"
