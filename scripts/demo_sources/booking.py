"""ComplexFuncBench style Booking.com tasks: location look-ups, parallel searches, long API responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog import Scenario, answer, call, i, n, result, s, tool, user

BOOKING_TOOLS = {
    t["name"]: t
    for t in [
        tool(
            "Search_Hotel_Destination",
            "Search for a hotel destination and get its dest_id and search_type.",
            {"query": s("Name of the city, district, place or hotel.")},
            ["query"],
        ),
        tool(
            "Search_Hotels",
            "Search hotels at a destination for given dates.",
            {
                "dest_id": s("Destination id from Search_Hotel_Destination."),
                "search_type": s("Destination type from Search_Hotel_Destination, e.g. 'CITY'."),
                "arrival_date": s("Check-in date, yyyy-mm-dd."),
                "departure_date": s("Check-out date, yyyy-mm-dd."),
                "adults": i("Number of adult guests."),
                "room_qty": i("Number of rooms."),
                "sort_by": s("Sort order, e.g. 'price' or 'review_score'."),
            },
            ["dest_id", "search_type", "arrival_date", "departure_date"],
        ),
        tool(
            "Get_Hotel_Reviews(Tips)",
            "Get review tips of a hotel.",
            {
                "hotel_id": i("Hotel id from Search_Hotels."),
                "languagecode": s("Language of the reviews, e.g. 'en-us'."),
            },
            ["hotel_id"],
        ),
        tool(
            "Search_Flight_Location",
            "Find the id of an airport or city to use in flight searches.",
            {"query": s("Name of the airport or city.")},
            ["query"],
        ),
        tool(
            "Search_Flights",
            "Search flights between two locations.",
            {
                "fromId": s("Departure location id, e.g. 'BOM.AIRPORT'."),
                "toId": s("Arrival location id."),
                "departDate": s("Departure date, yyyy-mm-dd."),
                "adults": i("Number of adults."),
                "cabinClass": s("ECONOMY, PREMIUM_ECONOMY, BUSINESS or FIRST."),
                "sort": s("BEST, CHEAPEST or FASTEST."),
            },
            ["fromId", "toId", "departDate"],
        ),
        tool(
            "Search_Car_Location",
            "Find the coordinates of a place to pick up or drop off a rental car.",
            {"query": s("Name of the place.")},
            ["query"],
        ),
        tool(
            "Search_Car_Rentals",
            "Search rental cars at a pick-up location.",
            {
                "pick_up_latitude": n("Latitude of the pick-up place."),
                "pick_up_longitude": n("Longitude of the pick-up place."),
                "drop_off_latitude": n("Latitude of the drop-off place."),
                "drop_off_longitude": n("Longitude of the drop-off place."),
                "pick_up_date": s("yyyy-mm-dd"),
                "pick_up_time": s("HH:MM"),
                "drop_off_date": s("yyyy-mm-dd"),
                "drop_off_time": s("HH:MM"),
                "driver_age": i("Age of the driver."),
            },
            [
                "pick_up_latitude",
                "pick_up_longitude",
                "drop_off_latitude",
                "drop_off_longitude",
                "pick_up_date",
                "pick_up_time",
                "drop_off_date",
                "drop_off_time",
            ],
        ),
        tool(
            "Search_Attraction_Location",
            "Find attractions and their product slugs by name or place.",
            {"query": s("Name of the attraction or city.")},
            ["query"],
        ),
        tool(
            "Get_Attraction_Details",
            "Get the details of an attraction product.",
            {"slug": s("Product slug from Search_Attraction_Location.")},
            ["slug"],
        ),
        tool(
            "Check_Attraction_Availability",
            "List the time slots of an attraction on a date.",
            {"slug": s("Product slug."), "date": s("yyyy-mm-dd")},
            ["slug", "date"],
        ),
    ]
}

CITIES = [
    ("Paris", "-1456928", 48.8566, 2.3522),
    ("Barcelona", "-372490", 41.3874, 2.1686),
    ("Rome", "-126693", 41.9028, 12.4964),
    ("Tokyo", "-246227", 35.6762, 139.6503),
]
AIRPORTS = [
    ("Mumbai", "BOM.AIRPORT"),
    ("London Heathrow", "LHR.AIRPORT"),
    ("New York", "NYC.CITY"),
    ("Singapore", "SIN.AIRPORT"),
]


def ok(data: Any) -> dict[str, Any]:
    return {"status": True, "message": "Success", "data": data}


def hotels_two_cities(v: int) -> Scenario:
    (c1, d1, _, _), (c2, d2, _, _) = CITIES[v % 4], CITIES[(v + 1) % 4]
    return Scenario(
        f"Hotels-{v}",
        ("Search_Hotel_Destination", "Search_Hotels", "Get_Hotel_Reviews(Tips)"),
        (
            user(
                f"I'm visiting {c1} from 2024-11-02 to 2024-11-05 and then {c2} until 2024-11-08. Find me the cheapest "
                "hotel for 2 adults in one room in each city."
            ),
            call(("Search_Hotel_Destination", {"query": c1}), ("Search_Hotel_Destination", {"query": c2})),
            result(
                ok([{"dest_id": d1, "search_type": "CITY", "name": c1}]),
                ok([{"dest_id": d2, "search_type": "CITY", "name": c2}]),
            ),
            call(
                (
                    "Search_Hotels",
                    {
                        "dest_id": d1,
                        "search_type": "CITY",
                        "arrival_date": "2024-11-02",
                        "departure_date": "2024-11-05",
                        "adults": 2,
                        "room_qty": 1,
                        "sort_by": "price",
                    },
                ),
                (
                    "Search_Hotels",
                    {
                        "dest_id": d2,
                        "search_type": "CITY",
                        "arrival_date": "2024-11-05",
                        "departure_date": "2024-11-08",
                        "adults": 2,
                        "room_qty": 1,
                        "sort_by": "price",
                    },
                ),
            ),
            result(
                ok(
                    {
                        "hotels": [
                            {"hotel_id": 1020 + v, "name": f"{c1} Budget Rooms", "price": 231.5, "currency": "EUR"}
                        ]
                    }
                ),
                ok({"hotels": [{"hotel_id": 2040 + v, "name": f"Hostal {c2}", "price": 198.0, "currency": "EUR"}]}),
            ),
            answer(
                f"Cheapest options: {c1} Budget Rooms in {c1} (EUR 231.50 for 3 nights) and Hostal {c2} in {c2} "
                "(EUR 198.00 for 3 nights)."
            ),
        ),
        {"domain": "Hotels"},
    )


def hotel_reviews(v: int) -> Scenario:
    city, dest, _, _ = CITIES[(v + 2) % 4]
    return Scenario(
        f"Hotels-{10 + v}",
        ("Search_Hotel_Destination", "Search_Hotels", "Get_Hotel_Reviews(Tips)"),
        (
            user(f"What do guests say about the top-rated hotel in {city} for 2024-12-20 to 2024-12-23?"),
            call(("Search_Hotel_Destination", {"query": city})),
            result(ok([{"dest_id": dest, "search_type": "CITY"}])),
            call(
                (
                    "Search_Hotels",
                    {
                        "dest_id": dest,
                        "search_type": "CITY",
                        "arrival_date": "2024-12-20",
                        "departure_date": "2024-12-23",
                        "sort_by": "review_score",
                    },
                )
            ),
            result(ok({"hotels": [{"hotel_id": 77120 + v, "name": "Grand Central Palace", "review_score": 9.4}]})),
            call(("Get_Hotel_Reviews(Tips)", {"hotel_id": 77120 + v, "languagecode": "en-us"})),
            result(ok({"tips": ["Ask for a courtyard room, they are quieter.", "Breakfast is excellent."]})),
            answer(
                "Grand Central Palace (9.4) is the top-rated choice. Guests recommend asking for a quiet courtyard "
                "room and praise the breakfast."
            ),
        ),
        {"domain": "Hotels"},
    )


def flights(v: int) -> Scenario:
    (a1, _), (a2, _) = AIRPORTS[v % 4], AIRPORTS[(v + 1) % 4]
    id1, id2 = AIRPORTS[v % 4][1], AIRPORTS[(v + 1) % 4][1]
    return Scenario(
        f"Flights-{v}",
        ("Search_Flight_Location", "Search_Flights"),
        (
            user(f"Find the fastest business-class flight from {a1} to {a2} on 2024-10-14 for one adult."),
            call(("Search_Flight_Location", {"query": a1}), ("Search_Flight_Location", {"query": a2})),
            result(ok([{"id": id1, "type": id1.split(".")[1]}]), ok([{"id": id2, "type": id2.split(".")[1]}])),
            call(
                (
                    "Search_Flights",
                    {
                        "fromId": id1,
                        "toId": id2,
                        "departDate": "2024-10-14",
                        "adults": 1,
                        "cabinClass": "BUSINESS",
                        "sort": "FASTEST",
                    },
                )
            ),
            result(
                ok(
                    {
                        "flightOffers": [
                            {
                                "token": "d6a1f_AAX",
                                "segments": [{"flightNumber": "AI131", "duration_min": 590}],
                                "price": {"units": 3120, "currencyCode": "USD"},
                            }
                        ]
                    }
                )
            ),
            answer(f"The fastest option is AI131 from {a1} to {a2} on 2024-10-14: 9 h 50 min, USD 3,120 in business."),
        ),
        {"domain": "Flights"},
    )


def car_rental(v: int) -> Scenario:
    city, _, lat, lon = CITIES[(v + 1) % 4]
    return Scenario(
        f"Car-Rental-{v}",
        ("Search_Car_Location", "Search_Car_Rentals"),
        (
            user(f"I need a rental car at {city} airport from 2024-09-10 10:00 to 2024-09-15 10:00; I'm 30."),
            call(("Search_Car_Location", {"query": f"{city} airport"})),
            result(ok([{"name": f"{city} airport", "coordinates": {"latitude": lat, "longitude": lon}}])),
            call(
                (
                    "Search_Car_Rentals",
                    {
                        "pick_up_latitude": lat,
                        "pick_up_longitude": lon,
                        "drop_off_latitude": lat,
                        "drop_off_longitude": lon,
                        "pick_up_date": "2024-09-10",
                        "pick_up_time": "10:00",
                        "drop_off_date": "2024-09-15",
                        "drop_off_time": "10:00",
                        "driver_age": 30,
                    },
                )
            ),
            result(
                ok(
                    {
                        "search_results": [
                            {"vehicle": "Fiat 500", "supplier": "Sixt", "price": 187.4},
                            {"vehicle": "VW Golf", "supplier": "Europcar", "price": 221.9},
                        ]
                    }
                )
            ),
            answer(
                f"At {city} airport: a Fiat 500 from Sixt for 187.40 or a VW Golf from Europcar for 221.90 "
                "for the 5 days."
            ),
        ),
        {"domain": "Car-Rental"},
    )


def attraction(v: int) -> Scenario:
    place = ["Louvre Museum", "Sagrada Familia", "Colosseum", "Tokyo Skytree"][v % 4]
    slug = "pr" + place.lower().replace(" ", "-")
    return Scenario(
        f"Attraction-{v}",
        ("Search_Attraction_Location", "Get_Attraction_Details", "Check_Attraction_Availability"),
        (
            user(f"How much is a ticket for the {place} and are there slots on 2024-08-30?"),
            call(("Search_Attraction_Location", {"query": place})),
            result(ok({"products": [{"title": f"{place} ticket", "productSlug": slug}]})),
            call(
                ("Get_Attraction_Details", {"slug": slug}),
                ("Check_Attraction_Availability", {"slug": slug, "date": "2024-08-30"}),
            ),
            result(
                ok({"name": f"{place} ticket", "price": {"amount": 22.0, "currency": "EUR"}}),
                ok(
                    [
                        {"start": "2024-08-30T09:00:00", "available": True},
                        {"start": "2024-08-30T13:30:00", "available": True},
                    ]
                ),
            ),
            answer(f"A {place} ticket costs EUR 22. On 2024-08-30 there are slots at 09:00 and 13:30."),
        ),
        {"domain": "Attraction"},
    )


def cross(v: int) -> Scenario:
    (origin, origin_id), (city, dest, lat, lon) = AIRPORTS[(v + 2) % 4], CITIES[v % 4]
    return Scenario(
        f"Cross-{v}",
        (
            "Search_Flight_Location",
            "Search_Flights",
            "Search_Hotel_Destination",
            "Search_Hotels",
            "Search_Car_Location",
            "Search_Car_Rentals",
        ),
        (
            user(
                f"Plan a trip from {origin} to {city}: flight on 2024-07-01, hotel until 2024-07-04 for 1 adult, and a "
                "car from the city centre for the same days."
            ),
            call(
                ("Search_Flight_Location", {"query": city}),
                ("Search_Hotel_Destination", {"query": city}),
                ("Search_Car_Location", {"query": f"{city} city centre"}),
            ),
            result(
                ok([{"id": f"{city[:3].upper()}.CITY"}]),
                ok([{"dest_id": dest, "search_type": "CITY"}]),
                ok([{"coordinates": {"latitude": lat, "longitude": lon}}]),
            ),
            call(
                (
                    "Search_Flights",
                    {"fromId": origin_id, "toId": f"{city[:3].upper()}.CITY", "departDate": "2024-07-01", "adults": 1},
                ),
                (
                    "Search_Hotels",
                    {
                        "dest_id": dest,
                        "search_type": "CITY",
                        "arrival_date": "2024-07-01",
                        "departure_date": "2024-07-04",
                        "adults": 1,
                        "room_qty": 1,
                    },
                ),
                (
                    "Search_Car_Rentals",
                    {
                        "pick_up_latitude": lat,
                        "pick_up_longitude": lon,
                        "drop_off_latitude": lat,
                        "drop_off_longitude": lon,
                        "pick_up_date": "2024-07-01",
                        "pick_up_time": "12:00",
                        "drop_off_date": "2024-07-04",
                        "drop_off_time": "12:00",
                    },
                ),
            ),
            result(
                ok({"flightOffers": [{"price": {"units": 640, "currencyCode": "USD"}}]}),
                ok({"hotels": [{"name": "Hotel Lumiere", "price": 402.0}]}),
                ok({"search_results": [{"vehicle": "Renault Clio", "price": 138.0}]}),
            ),
            answer(f"Flight to {city}: USD 640. Hotel Lumiere for 3 nights: 402. Renault Clio rental: 138."),
        ),
        {"domain": "Cross"},
    )


TEMPLATES: list[Callable[[int], Scenario]] = [hotels_two_cities, flights, car_rental, attraction, cross, hotel_reviews]


def scenario(index: int) -> Scenario:
    return TEMPLATES[index % len(TEMPLATES)](index // len(TEMPLATES))
