"""Tool definitions (JSON Schema) used by the demo conversations, and the scenario record they are written in.

Types here are the ground truth that the demo calls must satisfy: each renderer writes them in its source's own
dialect (APIGen's flat "str, optional" maps, Hermes' Python repr, ...), and the adapters must read them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """One turn of a scenario: "user" text, "answer" (assistant text), "call" (calls + thought), "result"."""

    kind: str
    text: str = ""
    calls: tuple[Call, ...] = ()
    results: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Scenario:
    key: str
    tools: tuple[str, ...]
    steps: tuple[Step, ...]
    meta: dict[str, Any] = field(default_factory=dict)


def user(text: str) -> Step:
    return Step("user", text)


def answer(text: str) -> Step:
    return Step("answer", text)


def call(*calls: Call, thought: str = "") -> Step:
    return Step("call", thought, tuple(calls))


def result(*results: Any) -> Step:
    return Step("result", results=tuple(results))


def s(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def i(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "integer", "description": description, **extra}


def n(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "number", "description": description, **extra}


def b(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "boolean", "description": description, **extra}


def a(description: str, items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "description": description, "items": items, **extra}


def tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "parameters": {"type": "object", "properties": properties, "required": required},
    }


UNITS = s("Temperature units", enum=["celsius", "fahrenheit"], default="celsius")

TOOLS: dict[str, dict[str, Any]] = {
    t["name"]: t
    for t in [
        tool(
            "get_current_weather",
            "Get the current weather conditions for a city.",
            {"city": s("City name, e.g. 'Lisbon'"), "units": UNITS},
            ["city"],
        ),
        tool(
            "get_weather_forecast",
            "Get a daily weather forecast for a city.",
            {"city": s("City name"), "days": i("Number of days to forecast (1-10)"), "units": UNITS},
            ["city", "days"],
        ),
        tool(
            "get_stock_price",
            "Get the latest traded price of a stock.",
            {"symbol": s("Ticker symbol, e.g. 'AAPL'")},
            ["symbol"],
        ),
        tool(
            "get_company_financials",
            "Get key financial figures of a listed company.",
            {
                "symbol": s("Ticker symbol"),
                "period": s("Reporting period", enum=["annual", "quarterly"], default="annual"),
            },
            ["symbol"],
        ),
        tool(
            "convert_currency",
            "Convert an amount of money from one currency to another.",
            {
                "amount": n("Amount to convert"),
                "from_currency": s("ISO 4217 code of the source currency"),
                "to_currency": s("ISO 4217 code of the target currency"),
            },
            ["amount", "from_currency", "to_currency"],
        ),
        tool(
            "search_flights",
            "Search one-way flights between two airports on a date.",
            {
                "origin": s("IATA code of the departure airport"),
                "destination": s("IATA code of the arrival airport"),
                "date": s("Departure date, YYYY-MM-DD"),
                "passengers": i("Number of passengers", default=1),
                "cabin": s("Cabin class", enum=["economy", "premium_economy", "business", "first"]),
            },
            ["origin", "destination", "date"],
        ),
        tool(
            "search_hotels",
            "Find hotels in a city for given dates.",
            {
                "city": s("City name"),
                "check_in": s("Check-in date, YYYY-MM-DD"),
                "check_out": s("Check-out date, YYYY-MM-DD"),
                "guests": i("Number of guests", default=2),
                "max_price": n("Maximum price per night in USD"),
            },
            ["city", "check_in", "check_out"],
        ),
        tool(
            "list_directory",
            "List the entries of a directory.",
            {"path": s("Directory path"), "show_hidden": b("Include dotfiles", default=False)},
            ["path"],
        ),
        tool(
            "read_file",
            "Read a text file and return its content.",
            {"path": s("File path"), "encoding": s("Text encoding", default="utf-8")},
            ["path"],
        ),
        tool(
            "move_file",
            "Move or rename a file.",
            {
                "source": s("Current path"),
                "destination": s("New path"),
                "overwrite": b("Replace an existing file at the destination", default=False),
            },
            ["source", "destination"],
        ),
        tool(
            "calculate_loan_payment",
            "Compute the fixed monthly payment of an amortized loan.",
            {
                "principal": n("Loan amount"),
                "annual_rate": n("Annual interest rate in percent"),
                "months": i("Term in months"),
            },
            ["principal", "annual_rate", "months"],
        ),
        tool(
            "solve_quadratic",
            "Find the real roots of a*x^2 + b*x + c = 0.",
            {"a": n("Coefficient of x^2"), "b": n("Coefficient of x"), "c": n("Constant term")},
            ["a", "b", "c"],
        ),
        tool(
            "compute_statistics",
            "Compute descriptive statistics of a list of numbers.",
            {
                "numbers": a("The data", {"type": "number"}),
                "measures": a(
                    "Which statistics", {"type": "string", "enum": ["mean", "median", "stdev", "min", "max"]}
                ),
            },
            ["numbers"],
        ),
        tool(
            "create_calendar_event",
            "Create an event in the user's calendar.",
            {
                "title": s("Event title"),
                "start_time": s("Start, ISO 8601 local time"),
                "duration_minutes": i("Length in minutes", default=60),
                "attendees": a("E-mail addresses to invite", {"type": "string"}),
            },
            ["title", "start_time"],
        ),
        tool(
            "send_email",
            "Send an e-mail from the user's account.",
            {
                "to": s("Recipient address"),
                "subject": s("Subject line"),
                "body": s("Plain-text body"),
                "cc": a("Addresses in copy", {"type": "string"}),
            },
            ["to", "subject", "body"],
        ),
        tool(
            "translate_text",
            "Translate text into another language.",
            {
                "text": s("Text to translate"),
                "target_language": s("ISO 639-1 code of the target language"),
                "source_language": s("ISO 639-1 code of the source language; detected when omitted"),
            },
            ["text", "target_language"],
        ),
        tool(
            "search_recipes",
            "Search recipes by ingredients.",
            {
                "ingredients": a("Ingredients to use", {"type": "string"}),
                "diet": s("Dietary restriction", enum=["none", "vegetarian", "vegan", "gluten_free"]),
                "max_minutes": i("Maximum total cooking time"),
            },
            ["ingredients"],
        ),
        tool(
            "get_news_headlines",
            "Get the latest news headlines on a topic.",
            {
                "topic": s("Topic or keyword"),
                "country": s("ISO 3166 country code"),
                "limit": i("Number of headlines", default=5),
            },
            ["topic"],
        ),
        tool(
            "convert_units",
            "Convert a measurement between units.",
            {"value": n("The value"), "from_unit": s("Unit of the value"), "to_unit": s("Unit to convert to")},
            ["value", "from_unit", "to_unit"],
        ),
        tool(
            "get_time_in_timezone",
            "Get the current local time in an IANA time zone.",
            {"timezone": s("IANA time zone, e.g. 'Asia/Tokyo'")},
            ["timezone"],
        ),
        tool(
            "calculate_distance",
            "Travel distance and time between two places.",
            {
                "origin": s("Start address or city"),
                "destination": s("End address or city"),
                "mode": s("Travel mode", enum=["driving", "walking", "transit", "cycling"], default="driving"),
            },
            ["origin", "destination"],
        ),
        tool(
            "track_package",
            "Track a parcel by its tracking number.",
            {"tracking_number": s("Tracking number"), "carrier": s("Carrier name, e.g. 'UPS'")},
            ["tracking_number"],
        ),
        tool(
            "search_movies",
            "Search movies by genre, year and rating.",
            {"genre": s("Genre"), "year": i("Release year"), "min_rating": n("Minimum rating out of 10")},
            ["genre"],
        ),
        tool(
            "book_restaurant",
            "Reserve a table at a restaurant.",
            {
                "restaurant": s("Restaurant name"),
                "date": s("Date, YYYY-MM-DD"),
                "time": s("Time, HH:MM"),
                "party_size": i("Number of people"),
            },
            ["restaurant", "date", "time", "party_size"],
        ),
        tool(
            "get_crypto_price",
            "Get the current price of a cryptocurrency.",
            {"coin": s("Coin symbol, e.g. 'BTC'"), "currency": s("Quote currency", default="USD")},
            ["coin"],
        ),
        tool(
            "calculate_bmi",
            "Body mass index from weight and height.",
            {"weight_kg": n("Weight in kilograms"), "height_m": n("Height in metres")},
            ["weight_kg", "height_m"],
        ),
        tool(
            "generate_password",
            "Generate a random password.",
            {"length": i("Number of characters"), "include_symbols": b("Use punctuation symbols", default=True)},
            ["length"],
        ),
        tool(
            "analyze_sentiment",
            "Classify the sentiment of a text as positive, neutral or negative.",
            {"text": s("The text")},
            ["text"],
        ),
        tool(
            "get_sports_scores",
            "Final scores of a league's games on a date.",
            {"league": s("League, e.g. 'NBA'"), "date": s("Date, YYYY-MM-DD")},
            ["league"],
        ),
        tool(
            "set_reminder",
            "Set a reminder on the user's phone.",
            {"message": s("What to remind"), "remind_at": s("When, ISO 8601 local time")},
            ["message", "remind_at"],
        ),
        tool(
            "get_nutrition_info",
            "Nutrition facts for a food.",
            {"food": s("Food name"), "quantity_grams": n("Portion size in grams", default=100)},
            ["food"],
        ),
    ]
}


def tool_list(names: tuple[str, ...], catalog: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    source = catalog or TOOLS
    return [source[name] for name in names]
