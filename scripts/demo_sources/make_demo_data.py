"""Write the demo records of the seven chat sources into curation/demo_data/<source>/, deterministically.

    .venv/bin/python scripts/demo_sources/make_demo_data.py [--out curation/demo_data]

Each source gets 30+ well-formed records in its exact native file format (built from the scenarios in
general.py, agents.py and booking.py) and a few deliberately malformed ones, listed in MALFORMED below with the
reject reason the adapter should give. Rerunning rewrites the same bytes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import agents
import booking
import general
import render
from catalog import TOOLS, tool_list

REPO = Path(__file__).resolve().parents[2]
COUNT = 31  # well-formed records per source from the scenario templates


def _general(offset: int) -> list[Any]:
    return [general.scenario(offset + index, salt=offset) for index in range(COUNT)]


def apigen_records() -> list[dict[str, Any]]:
    records = [render.apigen(scenario, index) for index, scenario in enumerate(_general(0))]
    weather = json.loads(records[0]["tools"])
    records += [
        # Truncated JSON inside the answers string.
        {
            "id": 9001,
            "query": "What's Apple trading at?",
            "answers": '[{"name": "get_stock_price", "arguments": {"symb',
            "tools": records[3]["tools"],
        },
        # tools is a number, not a JSON string of a list.
        {
            "id": 9002,
            "query": "Weather in Rome?",
            "answers": '[{"name": "get_current_weather", "arguments": {"city": "Rome"}}]',
            "tools": 42,
        },
        # The query is missing.
        {
            "id": 9003,
            "answers": '[{"name": "get_current_weather", "arguments": {"city": "Lima"}}]',
            "tools": json.dumps(weather),
        },
    ]
    return records


def apigen_mt_records() -> list[dict[str, Any]]:
    airline = list(agents.AIRLINE_TOOLS.values())
    retail = list(agents.RETAIL_TOOLS.values())
    records = []
    for index in range(COUNT):
        scenario = agents.scenario(index)
        is_airline = scenario.meta["domain"] == "airline"
        record = render.apigen_mt(
            scenario, agents.AIRLINE_POLICY if is_airline else agents.RETAIL_POLICY, airline if is_airline else retail
        )
        if index % 10 == 7:  # an empty turn, as in some generated dialogues
            record["conversations"].insert(1, {"from": "gpt", "value": ""})
        records.append(record)
    tools = json.dumps(airline)
    records += [
        {
            "conversations": [
                {"from": "human", "value": "Cancel 8JX2WO please."},
                {"from": "function_call", "value": '{"name": "cancel_reservation", "arguments": {"reserv'},
            ],
            "system": agents.AIRLINE_POLICY,
            "tools": tools,
        },
        {"system": agents.AIRLINE_POLICY, "tools": tools},
        {
            "conversations": [
                {"from": "observation", "value": '{"status": "cancelled"}'},
                {"from": "gpt", "value": "Your reservation is cancelled."},
            ],
            "system": agents.AIRLINE_POLICY,
            "tools": tools,
        },
        {
            "conversations": [{"from": "customer", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}],
            "system": agents.AIRLINE_POLICY,
            "tools": tools,
        },
    ]
    return records


def button_records() -> list[dict[str, Any]]:
    records = [render.button(scenario, index) for index, scenario in enumerate(_general(5))]
    system = records[0]["messages"][0]
    records += [
        {
            "messages": [
                system,
                {"role": "user", "content": "Weather in Lima?"},
                {
                    "role": "assistant",
                    "content": 'Calling. <call>[{"name": "get_current_weather", "arguments": {"city": "Li</call>',
                },
            ]
        },
        {"messages": "user: Weather in Lima?\nassistant: ..."},
        {
            "messages": [
                system,
                {"role": "user", "content": "Weather in Lima and Quito?"},
                {
                    "role": "assistant",
                    "content": '<call>[{"name": "get_current_weather", "arguments": {"city": "Lima"}}, '
                    '{"name": "get_current_weather", "arguments": {"city": "Quito"}}]</call>',
                },
                {
                    "role": "tool",
                    "content": '[{"name": "get_current_weather", "arguments": {"city": "Lima"}, '
                    '"results": {"temperature": 19}}]',
                },
                {"role": "assistant", "content": "<final>Lima is 19°C.</final>"},
            ]
        },
        {
            "messages": [
                system,
                {"role": "user", "content": "Weather in Lima?"},
                {
                    "role": "assistant",
                    "content": 'Let me check. <call>[{"name": "get_current_weather", "arguments": {"city": "Lima"}}]',
                },
            ]
        },
    ]
    return records


def complexfuncbench_records() -> list[dict[str, Any]]:
    records = []
    for index in range(COUNT):
        scenario = booking.scenario(index)
        records.append(render.complexfuncbench(scenario, tool_list(scenario.tools, booking.BOOKING_TOOLS)))
    tools = records[0]["functions"]
    records += [
        {
            "id": "Hotels-900",
            "functions": tools,
            "conversations": [
                {"role": "user", "content": "Hotels in Paris and Rome for 2024-11-02?"},
                {
                    "role": "assistant",
                    "function_call": [
                        {"name": "Search_Hotel_Destination", "arguments": {"query": "Paris"}},
                        {"name": "Search_Hotel_Destination", "arguments": {"query": "Rome"}},
                    ],
                },
                {
                    "role": "observation",
                    "content": [
                        {"status": True, "data": [{"dest_id": "-1456928"}]},
                        {"status": True},
                        {"status": True},
                    ],
                },
                {"role": "assistant", "content": "Found both."},
            ],
        },
        {
            "id": "Flights-901",
            "functions": tools,
            "conversations": [
                {"role": "user", "content": "Flights from BOM?"},
                {
                    "role": "assistant",
                    "function_call": [{"name": "Search_Flight_Location", "arguments": '{"query": "Mum'}],
                },
            ],
        },
        {
            "id": "Cross-902",
            "conversations": [
                {"role": "user", "content": "Plan a trip"},
                {"role": "assistant", "content": "Where to?"},
            ],
        },
    ]
    return records


def glaive_records() -> list[dict[str, Any]]:
    records = [render.glaive(scenario, index) for index, scenario in enumerate(_general(11))]
    # The quoted arguments hold an apostrophe ("Fisherman's Wharf"): the call is not a Python literal either.
    records.append(render.glaive(general.distance(1), 40))
    records += [
        render.glaive_tool_less(
            "Can you write a haiku about autumn?",
            "Crimson leaves drifting,\nthe old maple lets them go,\nwind carries the year.",
        ),
        render.glaive_tool_less(
            "What's the difference between a virus and a bacterium?",
            "Bacteria are single-celled living organisms that can reproduce on their own; viruses "
            "are much smaller and can only replicate inside a host cell.",
            (
                "So antibiotics don't work on viruses?",
                "Correct. Antibiotics target bacterial structures, so they have no effect on viruses.",
            ),
        ),
        render.glaive_tool_less(
            "Can you book me a flight to Madrid?",
            "I'm sorry, but I don't have the ability to book flights. I can help you plan the "
            "trip or compare options you've found.",
        ),
    ]
    weather = json.dumps(TOOLS["get_current_weather"], indent=4)
    records += [
        {
            "system": render.GLAIVE_WITH_TOOLS + weather + "\n",
            "chat": "USER: Weather in Rome?\n\n\nASSISTANT: <functioncall> "
            '{"name": "get_current_weather", "arguments": \'{"city": "Ro <|endoftext|>\n\n\n',
        },
        {"system": render.GLAIVE_WITH_TOOLS + weather + "\n"},
        {
            "system": render.GLAIVE_WITH_TOOLS + '{\n    "name": "get_current_weather",\n    "description": "Get the',
            "chat": "USER: Weather in Rome?\n\n\nASSISTANT: Let me check. <|endoftext|>\n\n\n",
        },
        {
            "system": render.GLAIVE_WITH_TOOLS + weather + "\n",
            "chat": 'USER: Hi\n\n\nFUNCTION RESPONSE: {"temperature": 21}\n\n\n'
            "ASSISTANT: It is 21 degrees. <|endoftext|>\n\n\n",
        },
    ]
    return records


def hermes_records() -> list[dict[str, Any]]:
    records = []
    for index, scenario in enumerate(_general(17)):
        single = index % 3 == 1 and any(step.kind == "call" for step in scenario.steps)
        category = "Information Retrieval" if index % 2 else "Productivity"
        records.append(render.hermes(scenario, index, single_turn=single, category=category))
    schema = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "year"],
    }
    records.append(
        {
            "id": "3f2c1b8e-6a1d-4f43-9a52-7c0e0d9b1a11",
            "category": "JSON Schema",
            "subcategory": "Movies",
            "task": "Movie metadata",
            "conversations": [
                {"from": "system", "value": render.HERMES_JSON_MODE.replace("{schema}", json.dumps(schema))},
                {"from": "human", "value": "Give me the title and year of the first Star Wars film as JSON."},
                {"from": "gpt", "value": '{"title": "Star Wars", "year": 1977}'},
            ],
        }
    )
    base = records[1]
    system = base["conversations"][0]
    records += [
        {
            "id": "bad-1",
            "conversations": [
                system,
                {"from": "human", "value": "Weather in Oslo?"},
                {"from": "gpt", "value": "<tool_call>\n{'arguments': {'city': 'Os\n</tool_call>"},
            ],
        },
        {"id": "bad-2", "conversations": {"from": "human", "value": "Weather in Oslo?"}},
        {
            "id": "bad-3",
            "conversations": [
                system,
                {"from": "human", "value": "Weather in Oslo?"},
                {"from": "gpt", "value": "<tool_call>\n{'arguments': {'city': 'Oslo'}, 'name': 'get_current_weather'}"},
            ],
        },
    ]
    return records


def messages_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for index, scenario in enumerate(_general(23)):
        if index % 8 == 3:
            records.append(render.hermes_style_messages(scenario, index))
        else:
            records.append(render.openai_messages(scenario, index))
    tools = [{"type": "function", "function": TOOLS["get_current_weather"]}]
    records += [
        {
            "id": "bad-args",
            "tools": tools,
            "messages": [
                {"role": "user", "content": "Weather in Quito?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_current_weather", "arguments": '{"city": "Qui'},
                        }
                    ],
                },
            ],
        },
        {
            "id": "bad-result",
            "tools": tools,
            "messages": [
                {"role": "user", "content": "Weather in Quito?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_current_weather", "arguments": '{"city": "Quito"}'},
                        }
                    ],
                },
                {
                    "role": "tool",
                    "tool_call_id": "call_9",
                    "name": "get_time_in_timezone",
                    "content": '{"time": "10:00"}',
                },
            ],
        },
        {"id": "bad-missing", "tools": tools},
        {
            "id": "bad-role",
            "tools": tools,
            "messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "hi"}],
        },
    ]
    return records


WRITERS = {
    "apigen": ("xlam_function_calling_60k.demo.json", apigen_records, "array"),
    "apigen_mt": ("apigen-mt_5k.demo.json", apigen_mt_records, "array"),
    "button": ("button_instruct.demo.jsonl", button_records, "lines"),
    "complexfuncbench": ("ComplexFuncBench.demo.jsonl", complexfuncbench_records, "lines"),
    "glaive": ("glaive-function-calling-v2.demo.json", glaive_records, "array"),
    "hermes": ("func-calling.demo.json", hermes_records, "array"),
    "messages": ("chat_messages.demo.jsonl", messages_records, "lines"),
}


def write_all(out: Path) -> dict[str, int]:
    counts = {}
    for source, (file_name, make, layout) in WRITERS.items():
        records = make()
        folder = out / source
        folder.mkdir(parents=True, exist_ok=True)
        if layout == "array":
            text = json.dumps(records, indent=1, ensure_ascii=False) + "\n"
        else:
            text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        (folder / file_name).write_text(text, encoding="utf-8")
        counts[source] = len(records)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "curation" / "demo_data")
    args = parser.parse_args()
    for source, count in write_all(args.out).items():
        print(f"{source:18} {count:3} records")


if __name__ == "__main__":
    main()
