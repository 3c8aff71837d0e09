"""APIGen-MT style dialogues: the airline and retail conversations (policies and tools are in agents.py)."""

from __future__ import annotations

from catalog import Scenario, answer, call, result, user

PEOPLE = [
    ("Mia", "Garcia", "mia_garcia_4516", "78205", "mia.garcia@example.com"),
    ("Omar", "Hassan", "omar_hassan_9127", "60614", "omar.h@example.com"),
    ("Yuki", "Tanaka", "yuki_tanaka_2230", "98109", "yuki.t@example.com"),
    ("Lena", "Novak", "lena_novak_7781", "02139", "lena.novak@example.com"),
]
RESERVATIONS = ["0U4NPP", "8JX2WO", "H9ZU1C", "4WQ150"]


def airline_cancel(v: int) -> Scenario:
    first, _, uid, _, _ = PEOPLE[v % 4]
    rid = RESERVATIONS[v % 4]
    return Scenario(
        f"airline-cancel-{rid}",
        ("airline",),
        (
            user(
                f"Hello, I have a request regarding a flight reservation, {rid}, from PHL to DEN. I'd like to cancel "
                "it; I booked travel insurance and I'm sick."
            ),
            answer("I can help with that. Could you please provide your user id?"),
            user(f"Sure, it's {uid}."),
            call(("get_reservation_details", {"reservation_id": rid})),
            result(
                {
                    "reservation_id": rid,
                    "user_id": uid,
                    "origin": "PHL",
                    "destination": "DEN",
                    "cabin": "economy",
                    "insurance": "yes",
                    "flights": [{"flight_number": "HAT076", "date": "2024-05-20"}],
                }
            ),
            answer(
                f"Reservation {rid} (PHL to DEN on 2024-05-20, economy) has travel insurance, so it can be cancelled "
                "for a full refund to the original payment method. Shall I proceed (yes/no)?"
            ),
            user("Yes, please."),
            call(("cancel_reservation", {"reservation_id": rid})),
            result({"reservation_id": rid, "status": "cancelled", "refund": 412.0}),
            answer(f"Done, {first}: {rid} is cancelled and $412.00 will be refunded within 5-7 business days."),
        ),
        {"domain": "airline"},
    )


def airline_refuse(v: int) -> Scenario:
    _, _, uid, _, _ = PEOPLE[(v + 1) % 4]
    rid = RESERVATIONS[(v + 2) % 4]
    return Scenario(
        f"airline-refuse-{rid}",
        ("airline",),
        (
            user(f"I want to cancel reservation {rid}, my plans changed. User id {uid}."),
            call(("get_reservation_details", {"reservation_id": rid})),
            result(
                {
                    "reservation_id": rid,
                    "user_id": uid,
                    "cabin": "basic_economy",
                    "insurance": "no",
                    "created_at": "2024-05-01T10:12:00",
                }
            ),
            answer(
                "I'm sorry, but this basic economy reservation was booked more than 24 hours ago, has no travel "
                "insurance and the flight was not cancelled by the airline, so the policy does not allow me to "
                "cancel it."
            ),
            user("That's ridiculous. Let me talk to a person."),
            call(
                (
                    "transfer_to_human_agents",
                    {
                        "summary": f"User {uid} wants to cancel basic economy reservation {rid} "
                        "without insurance; not eligible under policy."
                    },
                )
            ),
            result("Transfer successful"),
            answer("I've transferred you to a human agent, who will be with you shortly."),
        ),
        {"domain": "airline"},
    )


def airline_baggage(v: int) -> Scenario:
    first, _, uid, _, _ = PEOPLE[(v + 2) % 4]
    rid = RESERVATIONS[(v + 1) % 4]
    card = f"credit_card_{7815826 + v}"
    return Scenario(
        f"airline-bags-{rid}",
        ("airline",),
        (
            user(f"Hi, I'm {first} ({uid}). I need to add two checked bags to reservation {rid}."),
            call(("get_user_details", {"user_id": uid})),
            result(
                {
                    "user_id": uid,
                    "membership": "regular",
                    "payment_methods": {card: {"source": "credit_card"}},
                    "reservations": [rid],
                }
            ),
            call(("get_reservation_details", {"reservation_id": rid})),
            result(
                {"reservation_id": rid, "cabin": "economy", "passengers": 1, "total_baggages": 0, "nonfree_baggages": 0}
            ),
            answer(
                f"Your economy reservation includes 1 free checked bag, so adding two bags means 1 extra bag at "
                f"$50, charged to {card}. Shall I proceed (yes/no)?"
            ),
            user("yes"),
            call(
                (
                    "update_reservation_baggages",
                    {"reservation_id": rid, "total_baggages": 2, "nonfree_baggages": 1, "payment_id": card},
                )
            ),
            result({"reservation_id": rid, "total_baggages": 2, "nonfree_baggages": 1}),
            answer("Your reservation now has 2 checked bags; $50 was charged to your card."),
        ),
        {"domain": "airline"},
    )


def airline_search(v: int) -> Scenario:
    origin, destination, date = [
        ("JFK", "SEA", "2024-05-22"),
        ("ORD", "ATL", "2024-05-18"),
        ("LAX", "MIA", "2024-05-25"),
    ][v % 3]
    return Scenario(
        f"airline-search-{origin}",
        ("airline",),
        (
            user(f"Are there direct flights from {origin} to {destination} on {date}?"),
            call(("search_direct_flight", {"origin": origin, "destination": destination, "date": date})),
            result(
                [
                    {
                        "flight_number": "HAT083",
                        "departure_time": "06:00:00",
                        "prices": {"economy": 132, "business": 512},
                    },
                    {
                        "flight_number": "HAT221",
                        "departure_time": "17:30:00",
                        "prices": {"economy": 158, "business": 447},
                    },
                ]
            ),
            answer(
                f"Yes, two direct flights on {date}: HAT083 at 06:00 (economy $132) and HAT221 at 17:30 (economy "
                "$158). Would you like to book one?"
            ),
            user("Not right now, thanks."),
            answer("No problem. Have a great day!"),
        ),
        {"domain": "airline"},
    )


def airline_certificate(v: int) -> Scenario:
    _, _, uid, _, _ = PEOPLE[(v + 3) % 4]
    return Scenario(
        f"airline-cert-{uid}",
        ("airline",),
        (
            user(f"My flight yesterday was delayed by five hours and I missed a meeting. I'm {uid}, silver member."),
            call(("get_user_details", {"user_id": uid})),
            result({"user_id": uid, "membership": "silver", "reservations": ["XN2B8K"]}),
            answer(
                "I'm sorry about the delay. As a silver member with a delayed flight you are eligible for a $50 "
                "certificate per passenger. Shall I send a $50 certificate to your account?"
            ),
            user("Yes please."),
            call(("send_certificate", {"user_id": uid, "amount": 50})),
            result(f"Certificate certificate_{3221 + v} added to user {uid} with amount 50."),
            answer("The $50 certificate has been added to your account."),
        ),
        {"domain": "airline"},
    )


def retail_cancel(v: int) -> Scenario:
    first, last, _, zipcode, _ = PEOPLE[v % 4]
    uid, order = f"{first.lower()}_{last.lower()}_{1000 + v}", f"#W{4817420 + v}"
    return Scenario(
        f"retail-cancel-{order}",
        ("retail",),
        (
            user(f"Hi, I ordered something by mistake and want to cancel it. I'm {first} {last}, zip {zipcode}."),
            call(("find_user_id_by_name_zip", {"first_name": first, "last_name": last, "zip": zipcode})),
            result(uid),
            answer("Thanks, you're verified. Which order would you like to cancel?"),
            user(f"Order {order}."),
            call(("get_order_details", {"order_id": order})),
            result(
                {
                    "order_id": order,
                    "user_id": uid,
                    "status": "pending",
                    "items": [{"name": "Desk Lamp", "item_id": "5320792178", "price": 135.24}],
                }
            ),
            answer(
                f"Order {order} (Desk Lamp, $135.24) is pending. Cancel it with reason 'ordered by mistake'? (yes/no)"
            ),
            user("Yes."),
            call(("cancel_pending_order", {"order_id": order, "reason": "ordered by mistake"})),
            result({"order_id": order, "status": "cancelled", "refund": 135.24}),
            answer("Your order is cancelled; $135.24 will be refunded to the original payment method."),
        ),
        {"domain": "retail"},
    )


def retail_return(v: int) -> Scenario:
    _, _, _, _, email = PEOPLE[(v + 1) % 4]
    uid, order = email.split("@")[0].replace(".", "_") + "_52", f"#W{6390527 + v}"
    return Scenario(
        f"retail-return-{order}",
        ("retail",),
        (
            user(f"I'd like to return the headphones from my last order. My email is {email}."),
            call(("find_user_id_by_email", {"email": email})),
            result(uid),
            call(("get_order_details", {"order_id": order})),
            result(
                {
                    "order_id": order,
                    "status": "delivered",
                    "payment_history": [{"payment_method_id": "paypal_3024827"}],
                    "items": [
                        {"name": "Headphones", "item_id": "9805150490", "price": 368.87},
                        {"name": "Water Bottle", "item_id": "3453331371", "price": 52.79},
                    ],
                }
            ),
            answer(
                f"In order {order}, the headphones (item 9805150490, $368.87) can be returned with a refund to "
                "PayPal (paypal_3024827). Confirm (yes/no)?"
            ),
            user("yes"),
            call(
                (
                    "return_delivered_order_items",
                    {"order_id": order, "item_ids": ["9805150490"], "payment_method_id": "paypal_3024827"},
                )
            ),
            result({"order_id": order, "status": "return requested", "return_items": ["9805150490"]}),
            answer("Your return is requested. You'll receive an e-mail with the shipping label."),
        ),
        {"domain": "retail"},
    )


def retail_exchange(v: int) -> Scenario:
    first, last, _, zipcode, _ = PEOPLE[(v + 2) % 4]
    order = f"#W{2378156 + v}"
    return Scenario(
        f"retail-exchange-{order}",
        ("retail",),
        (
            user(
                f"Can I swap the keyboard I got for the same one with brown switches? {first} {last}, {zipcode}, "
                f"order {order}."
            ),
            call(("find_user_id_by_name_zip", {"first_name": first, "last_name": last, "zip": zipcode})),
            result(f"{first.lower()}_{last.lower()}_3020"),
            call(("get_product_details", {"product_id": "1656367028"})),
            result(
                {
                    "name": "Mechanical Keyboard",
                    "variants": {"7706410293": {"switch type": "brown", "available": True, "price": 269.16}},
                }
            ),
            answer(
                "The brown-switch variant (item 7706410293) is available at the same price. Exchange item "
                "1151293680 for it, with any difference settled on your gift card? (yes/no)"
            ),
            user("Yes."),
            call(
                (
                    "exchange_delivered_order_items",
                    {
                        "order_id": order,
                        "item_ids": ["1151293680"],
                        "new_item_ids": ["7706410293"],
                        "payment_method_id": "gift_card_9450778",
                    },
                )
            ),
            result({"order_id": order, "status": "exchange requested"}),
            answer("Your exchange is requested; you'll get instructions to send the old keyboard back."),
        ),
        {"domain": "retail"},
    )


def retail_other_user(v: int) -> Scenario:
    first, last, _, zipcode, _ = PEOPLE[(v + 3) % 4]
    return Scenario(
        f"retail-other-{v}",
        ("retail",),
        (
            user(
                f"Hi, I'm {first} {last}, zip {zipcode}. Can you also tell me what my neighbour ordered? "
                "His name is Carl Jensen."
            ),
            call(("find_user_id_by_name_zip", {"first_name": first, "last_name": last, "zip": zipcode})),
            result(f"{first.lower()}_{last.lower()}_8812"),
            answer(
                "You're verified. I'm sorry, but I can only help with your own account and can't share information "
                "about another customer's orders. Is there anything about your orders I can help with?"
            ),
            user("No, that's all."),
            answer("Thank you for contacting us. Goodbye!"),
        ),
        {"domain": "retail"},
    )
