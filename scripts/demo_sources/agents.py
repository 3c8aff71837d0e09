"""APIGen-MT style agent dialogues (tau-bench airline and retail domains): their policies, tools and order."""

from __future__ import annotations

from collections.abc import Callable

from agent_dialogues import (
    airline_baggage,
    airline_cancel,
    airline_certificate,
    airline_refuse,
    airline_search,
    retail_cancel,
    retail_exchange,
    retail_other_user,
    retail_return,
)
from catalog import Scenario, a, i, n, s, tool

AIRLINE_POLICY = (
    "# Airline Agent Policy\nThe current time is 2024-05-15 15:00:00 EST.\n\nAs an airline agent, you can help "
    "users book, modify, or cancel flight reservations.\n\n- Before taking any actions that update the booking "
    "database (booking, modifying flights, editing baggage, upgrading cabin class, or updating passenger "
    "information), you must list the action details and obtain explicit user confirmation (yes) to proceed.\n"
    "- You should not provide any information, knowledge, or procedures not provided by the user or available "
    "tools.\n- You should only make one tool call at a time.\n\n## Cancel flight\n- A reservation can be "
    "cancelled if it was booked within the last 24 hours, the flight is cancelled by the airline, it is a "
    "business flight, or the user has travel insurance and the reason is covered.\n"
)
RETAIL_POLICY = (
    "# Retail agent policy\nAs a retail agent, you can help users cancel or modify pending orders, return or "
    "exchange delivered orders, modify their default user address, or provide information about their own "
    "profile, orders, and related products.\n\n- At the beginning of the conversation, you have to authenticate "
    "the user identity by locating their user id via email, or via name + zip code.\n- Once the user has been "
    "authenticated, you can provide the user with information about order, product, profile information.\n"
    "- You can only help one user per conversation, and must deny any requests for tasks related to any other "
    "user.\n- Before consequential actions you must obtain explicit user confirmation (yes) to proceed.\n"
)

AIRLINE_TOOLS = {
    t["name"]: t
    for t in [
        tool(
            "get_user_details",
            "Get the details of a user, including their reservations.",
            {"user_id": s("The user id, such as 'sara_doe_496'.")},
            ["user_id"],
        ),
        tool(
            "get_reservation_details",
            "Get the details of a reservation.",
            {"reservation_id": s("The reservation id, such as '8JX2WO'.")},
            ["reservation_id"],
        ),
        tool(
            "cancel_reservation",
            "Cancel the whole reservation.",
            {"reservation_id": s("The reservation id.")},
            ["reservation_id"],
        ),
        tool(
            "update_reservation_baggages",
            "Update the baggage information of a reservation.",
            {
                "reservation_id": s("The reservation id."),
                "total_baggages": i("The updated total number of baggage items."),
                "nonfree_baggages": i("The updated number of non-free baggage items."),
                "payment_id": s("The payment id stored in user profile, such as 'credit_card_7815826'."),
            },
            ["reservation_id", "total_baggages", "nonfree_baggages", "payment_id"],
        ),
        tool(
            "search_direct_flight",
            "Search direct flights between two cities on a specific date.",
            {
                "origin": s("Origin airport IATA code."),
                "destination": s("Destination airport IATA code."),
                "date": s("The date of the flight in the format 'YYYY-MM-DD'."),
            },
            ["origin", "destination", "date"],
        ),
        tool(
            "send_certificate",
            "Send a certificate to a user. Be careful!",
            {"user_id": s("The ID of the user."), "amount": n("Certificate amount to send.")},
            ["user_id", "amount"],
        ),
        tool(
            "transfer_to_human_agents",
            "Transfer the user to a human agent, with a summary of the user's issue.",
            {"summary": s("A summary of the user's issue.")},
            ["summary"],
        ),
    ]
}
RETAIL_TOOLS = {
    t["name"]: t
    for t in [
        tool(
            "find_user_id_by_name_zip",
            "Find user id by first name, last name, and zip code.",
            {
                "first_name": s("The first name of the customer."),
                "last_name": s("The last name of the customer."),
                "zip": s("The zip code of the customer, such as '12345'."),
            },
            ["first_name", "last_name", "zip"],
        ),
        tool("find_user_id_by_email", "Find user id by email.", {"email": s("The email of the user.")}, ["email"]),
        tool(
            "get_order_details",
            "Get the status and details of an order.",
            {"order_id": s("The order id, such as '#W0000000'.")},
            ["order_id"],
        ),
        tool(
            "get_product_details",
            "Get the inventory details of a product.",
            {"product_id": s("The product id, such as '6086499569'.")},
            ["product_id"],
        ),
        tool(
            "cancel_pending_order",
            "Cancel a pending order.",
            {
                "order_id": s("The order id."),
                "reason": s("The reason for cancellation.", enum=["no longer needed", "ordered by mistake"]),
            },
            ["order_id", "reason"],
        ),
        tool(
            "return_delivered_order_items",
            "Return some items of a delivered order.",
            {
                "order_id": s("The order id."),
                "item_ids": a("The item ids to be returned.", {"type": "string"}),
                "payment_method_id": s("The payment method id to receive the refund."),
            },
            ["order_id", "item_ids", "payment_method_id"],
        ),
        tool(
            "exchange_delivered_order_items",
            "Exchange items in a delivered order to new items of the same product.",
            {
                "order_id": s("The order id."),
                "item_ids": a("The item ids to be exchanged.", {"type": "string"}),
                "new_item_ids": a("The new item ids, aligned with item_ids.", {"type": "string"}),
                "payment_method_id": s("The payment method id to pay or receive the price difference."),
            },
            ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
        ),
        tool(
            "transfer_to_human_agents",
            "Transfer the user to a human agent, with a summary of the user's issue.",
            {"summary": s("A summary of the user's issue.")},
            ["summary"],
        ),
    ]
}


TEMPLATES: list[Callable[[int], Scenario]] = [
    airline_cancel,
    retail_cancel,
    airline_refuse,
    retail_return,
    airline_baggage,
    retail_exchange,
    airline_search,
    retail_other_user,
    airline_certificate,
]


def scenario(index: int) -> Scenario:
    return TEMPLATES[index % len(TEMPLATES)](index // len(TEMPLATES) + index)
