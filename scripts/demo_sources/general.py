"""General-purpose demo conversations (weather, finance, travel, files, math, ...), each in a few variants.

``scenario(index, salt)`` walks the templates; the salt picks the variants, so each source gets a different but
deterministic mix. Every call's arguments respect the tool's JSON Schema in catalog.py.
"""

from __future__ import annotations

from collections.abc import Callable

from catalog import Scenario
from general_actions import (
    bmi,
    direct_answer,
    files_move,
    files_sequential,
    loan,
    meeting_parallel_multiple,
    password,
    quadratic,
    recipes,
    refusal,
    reminder,
    restaurant_clarification,
    sentiment_parallel,
    statistics,
    translate_parallel,
    units_parallel,
)
from general_info import (
    crypto_chain,
    currency_multi_turn,
    distance,
    flight_clarification,
    forecast_multiple,
    hotel_search,
    movies,
    news,
    nutrition_parallel,
    package,
    sports,
    stock_parallel_multiple,
    timezones,
    weather_parallel,
    weather_single,
)

TEMPLATES: list[Callable[[int], Scenario]] = [
    weather_single,
    forecast_multiple,
    weather_parallel,
    stock_parallel_multiple,
    currency_multi_turn,
    flight_clarification,
    hotel_search,
    files_sequential,
    files_move,
    loan,
    quadratic,
    statistics,
    meeting_parallel_multiple,
    translate_parallel,
    recipes,
    news,
    units_parallel,
    timezones,
    distance,
    package,
    refusal,
    direct_answer,
    restaurant_clarification,
    crypto_chain,
    bmi,
    password,
    sentiment_parallel,
    sports,
    reminder,
    nutrition_parallel,
    movies,
]


def scenario(index: int, salt: int = 0) -> Scenario:
    """Template ``index`` (cycling), in variant ``salt`` (plus one per cycle): each source passes its own salt."""
    return TEMPLATES[index % len(TEMPLATES)](index // len(TEMPLATES) + salt)
