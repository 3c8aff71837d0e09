"""Demo conversations that look things up: weather, markets, travel, news, sports, parcels, nutrition."""

from __future__ import annotations

from catalog import Scenario, answer, call, result, user

CITIES = [
    ("Lisbon", 21, "sunny", 55),
    ("Oslo", 4, "light snow", 80),
    ("Nairobi", 24, "partly cloudy", 60),
    ("Osaka", 17, "rain", 88),
    ("Chicago", -3, "windy", 45),
    ("Buenos Aires", 28, "clear", 50),
]
TICKERS = [("NVDA", 912.4, "NVIDIA"), ("AAPL", 189.3, "Apple"), ("SAP", 178.9, "SAP"), ("TSLA", 174.1, "Tesla")]
ROUTES = [("LIS", "JFK", "2025-07-14"), ("SFO", "NRT", "2025-09-02"), ("BER", "ATH", "2025-06-21")]


def weather_single(v: int) -> Scenario:
    city, temp, sky, humidity = CITIES[v % len(CITIES)]
    return Scenario(
        f"weather-{city}",
        ("get_current_weather",),
        (
            user(f"What's the weather like in {city} right now?"),
            call(("get_current_weather", {"city": city})),
            result({"city": city, "temperature": temp, "units": "celsius", "conditions": sky, "humidity": humidity}),
            answer(f"It is currently {temp}°C and {sky} in {city}, with {humidity}% humidity."),
        ),
    )


def forecast_multiple(v: int) -> Scenario:
    city, temp, sky, _ = CITIES[(v + 2) % len(CITIES)]
    days = 3 + v % 3
    daily = [{"day": d + 1, "high": temp + d, "low": temp - 6 + d, "conditions": sky} for d in range(days)]
    return Scenario(
        f"forecast-{city}",
        ("get_current_weather", "get_weather_forecast", "get_time_in_timezone"),
        (
            user(f"I'm travelling to {city} this week. Can you give me the {days}-day forecast in Fahrenheit?"),
            call(("get_weather_forecast", {"city": city, "days": days, "units": "fahrenheit"})),
            result(
                {
                    "city": city,
                    "units": "fahrenheit",
                    "daily": [{**d, "high": d["high"] * 9 // 5 + 32, "low": d["low"] * 9 // 5 + 32} for d in daily],
                }
            ),
            answer(
                f"Here is the {days}-day outlook for {city}: mostly {sky}, highs around {temp * 9 // 5 + 32}°F. "
                "Pack layers for the evenings."
            ),
        ),
    )


def weather_parallel(v: int) -> Scenario:
    (c1, t1, s1, _), (c2, t2, s2, _) = CITIES[v % 6], CITIES[(v + 3) % 6]
    return Scenario(
        f"weather-pair-{c1}-{c2}",
        ("get_current_weather",),
        (
            user(f"Compare the current temperature in {c1} and {c2}, please."),
            call(("get_current_weather", {"city": c1}), ("get_current_weather", {"city": c2})),
            result(
                {"city": c1, "temperature": t1, "conditions": s1}, {"city": c2, "temperature": t2, "conditions": s2}
            ),
            answer(
                f"{c1} is at {t1}°C ({s1}) while {c2} is at {t2}°C ({s2}); "
                f"{c1 if t1 > t2 else c2} is warmer by {abs(t1 - t2)} degrees."
            ),
        ),
    )


def stock_parallel_multiple(v: int) -> Scenario:
    symbol, price, company = TICKERS[v % len(TICKERS)]
    return Scenario(
        f"stock-{symbol}",
        ("get_stock_price", "get_company_financials", "convert_currency"),
        (
            user(f"How is {company} doing? I'd like the share price and the latest quarterly numbers."),
            call(
                ("get_stock_price", {"symbol": symbol}),
                ("get_company_financials", {"symbol": symbol, "period": "quarterly"}),
            ),
            result(
                {"symbol": symbol, "price": price, "currency": "USD", "change_percent": 1.8},
                {"symbol": symbol, "period": "Q2 2025", "revenue_musd": 30040, "net_income_musd": 16599, "eps": 0.67},
            ),
            answer(
                f"{company} ({symbol}) trades at ${price}, up 1.8% today. Last quarter it reported revenue of "
                "$30.0B and net income of $16.6B (EPS $0.67)."
            ),
        ),
    )


def currency_multi_turn(v: int) -> Scenario:
    amount, base, target, rate = [(250, "EUR", "USD", 1.083), (1200, "GBP", "EUR", 1.171), (80, "CHF", "SEK", 12.1)][
        v % 3
    ]
    return Scenario(
        f"currency-{base}-{target}",
        ("convert_currency", "get_stock_price"),
        (
            user(f"How much is {amount} {base} in {target}?"),
            call(("convert_currency", {"amount": amount, "from_currency": base, "to_currency": target})),
            result({"amount": amount, "from": base, "to": target, "rate": rate, "converted": round(amount * rate, 2)}),
            answer(f"{amount} {base} is about {round(amount * rate, 2)} {target} at a rate of {rate}."),
            user("And the same amount in Japanese yen?"),
            call(("convert_currency", {"amount": amount, "from_currency": base, "to_currency": "JPY"})),
            result({"amount": amount, "from": base, "to": "JPY", "rate": 162.4, "converted": round(amount * 162.4, 2)}),
            answer(f"That would be roughly {round(amount * 162.4):,} JPY."),
        ),
    )


def flight_clarification(v: int) -> Scenario:
    origin, destination, date = ROUTES[v % len(ROUTES)]
    return Scenario(
        f"flight-{origin}-{destination}",
        ("search_flights", "search_hotels"),
        (
            user(f"Find me a flight to {destination}."),
            answer("Sure! Where will you be flying from, and on what date?"),
            user(f"From {origin}, on {date}. Two of us, economy."),
            call(
                (
                    "search_flights",
                    {"origin": origin, "destination": destination, "date": date, "passengers": 2, "cabin": "economy"},
                )
            ),
            result(
                {
                    "flights": [
                        {"flight": "TP209", "depart": "10:25", "arrive": "13:05", "price_usd": 612},
                        {"flight": "UA127", "depart": "16:40", "arrive": "19:30", "price_usd": 574},
                    ]
                }
            ),
            answer(
                f"I found two options on {date}: TP209 departing 10:25 ($612 per person) and UA127 departing "
                "16:40 ($574 per person). Shall I look at hotels too?"
            ),
        ),
    )


def hotel_search(v: int) -> Scenario:
    city = ["Kyoto", "Prague", "Cape Town"][v % 3]
    return Scenario(
        f"hotels-{city}",
        ("search_hotels", "search_flights", "convert_currency"),
        (
            user(f"I need a hotel in {city} from 2025-10-03 to 2025-10-06 for 3 people, under 180 dollars a night."),
            call(
                (
                    "search_hotels",
                    {"city": city, "check_in": "2025-10-03", "check_out": "2025-10-06", "guests": 3, "max_price": 180},
                )
            ),
            result(
                {
                    "hotels": [
                        {"name": "Garden Inn Central", "price_usd": 164, "rating": 8.7},
                        {"name": "Riverside Lodge", "price_usd": 139, "rating": 8.1},
                    ]
                }
            ),
            answer(
                f"Two hotels in {city} fit: Garden Inn Central ($164/night, rated 8.7) and Riverside Lodge "
                "($139/night, rated 8.1)."
            ),
        ),
    )


def news(v: int) -> Scenario:
    topic, country = [("renewable energy", "DE"), ("semiconductors", "TW"), ("elections", "BR")][v % 3]
    return Scenario(
        f"news-{country}",
        ("get_news_headlines", "translate_text"),
        (
            user(f"Top 3 headlines about {topic} in {country}?"),
            call(("get_news_headlines", {"topic": topic, "country": country, "limit": 3})),
            result(
                {
                    "headlines": [
                        f"{topic.title()}: new record set",
                        "Regulators publish draft rules",
                        "Analysts expect growth to continue",
                    ]
                }
            ),
            answer(
                f"1. {topic.title()}: new record set\n2. Regulators publish draft rules\n"
                "3. Analysts expect growth to continue"
            ),
        ),
    )


def timezones(v: int) -> Scenario:
    zones = [("Asia/Tokyo", "America/New_York"), ("Europe/Berlin", "Australia/Sydney"), ("Asia/Kolkata", "UTC")][v % 3]
    return Scenario(
        f"tz-{v % 3}",
        ("get_time_in_timezone", "create_calendar_event"),
        (
            user(f"What time is it now in {zones[0]} and in {zones[1]}?"),
            call(*(("get_time_in_timezone", {"timezone": zone}) for zone in zones)),
            result(
                {"timezone": zones[0], "local_time": "2025-03-14T22:05"},
                {"timezone": zones[1], "local_time": "2025-03-14T09:05"},
            ),
            answer(f"It is 22:05 in {zones[0]} and 09:05 in {zones[1]}."),
        ),
    )


def distance(v: int) -> Scenario:
    origin, destination, mode, km, minutes = [
        ("Amsterdam Centraal", "Schiphol Airport", "transit", 17.4, 21),
        ("Golden Gate Park", "Fisherman's Wharf", "cycling", 8.9, 38),
        ("Munich", "Salzburg", "driving", 145.2, 94),
    ][v % 3]
    return Scenario(
        f"distance-{v % 3}",
        ("calculate_distance", "get_current_weather"),
        (
            user(f"How long does it take to get from {origin} to {destination} by {mode}?"),
            call(("calculate_distance", {"origin": origin, "destination": destination, "mode": mode})),
            result({"distance_km": km, "duration_minutes": minutes}),
            answer(f"About {minutes} minutes by {mode} ({km} km)."),
        ),
    )


def package(v: int) -> Scenario:
    number, carrier = [("1Z999AA10123456784", "UPS"), ("9400111899223856920371", "USPS"), ("JD014600004327681", "DHL")][
        v % 3
    ]
    return Scenario(
        f"track-{carrier}",
        ("track_package",),
        (
            user(f"Where is my {carrier} parcel {number}?"),
            call(("track_package", {"tracking_number": number, "carrier": carrier})),
            result({"status": "out_for_delivery", "last_scan": "Local depot, 07:42", "eta": "today by 20:00"}),
            answer("Your parcel is out for delivery and should arrive today by 20:00."),
        ),
    )


def sports(v: int) -> Scenario:
    league, date, home, away, score = [
        ("NBA", "2025-02-11", "Celtics", "Knicks", "112-104"),
        ("Premier League", "2025-04-19", "Arsenal", "Brentford", "2-1"),
        ("NHL", "2025-01-30", "Oilers", "Flames", "4-3"),
    ][v % 3]
    return Scenario(
        f"sports-{league}",
        ("get_sports_scores", "get_news_headlines"),
        (
            user(f"Scores from the {league} on {date}?"),
            call(("get_sports_scores", {"league": league, "date": date})),
            result({"games": [{"home": home, "away": away, "score": score}]}),
            answer(f"On {date}: the {home} beat the {away} {score}."),
        ),
    )


def movies(v: int) -> Scenario:
    genre, year, title, rating = [
        ("science fiction", 2014, "Interstellar", 8.7),
        ("animation", 2001, "Spirited Away", 8.6),
        ("thriller", 2019, "Parasite", 8.5),
    ][v % 3]
    return Scenario(
        f"movies-{genre}",
        ("search_movies",),
        (
            user(f"Any {genre} films from {year} rated 8 or higher?"),
            call(("search_movies", {"genre": genre, "year": year, "min_rating": 8})),
            result({"movies": [{"title": title, "rating": rating}]}),
            answer(f"Yes: {title} ({rating})."),
        ),
    )


def nutrition_parallel(v: int) -> Scenario:
    foods = [("banana", 120), ("greek yogurt", 170), ("almonds", 30)]
    return Scenario(
        f"nutrition-{v}",
        ("get_nutrition_info", "search_recipes"),
        (
            user("How many calories are in a 120 g banana, 170 g of greek yogurt and 30 g of almonds?"),
            call(*(("get_nutrition_info", {"food": food, "quantity_grams": grams}) for food, grams in foods)),
            result({"calories": 107}, {"calories": 163}, {"calories": 174}),
            answer(
                "About 107 kcal for the banana, 163 kcal for the yogurt and 174 kcal for the almonds: "
                "444 kcal in total."
            ),
        ),
    )


def crypto_chain(v: int) -> Scenario:
    coin, usd = [("BTC", 64250.5), ("ETH", 3120.75), ("SOL", 142.3)][v % 3]
    return Scenario(
        f"crypto-{coin}",
        ("get_crypto_price", "convert_currency"),
        (
            user(f"What is 0.5 {coin} worth in euros?"),
            call(("get_crypto_price", {"coin": coin, "currency": "USD"}), thought=f"I need the {coin} price first."),
            result({"coin": coin, "price": usd, "currency": "USD"}),
            call(
                ("convert_currency", {"amount": usd / 2, "from_currency": "USD", "to_currency": "EUR"}),
                thought="Now convert half of it to euros.",
            ),
            result({"converted": round(usd / 2 * 0.923, 2), "rate": 0.923}),
            answer(f"0.5 {coin} is worth about €{round(usd / 2 * 0.923, 2):,}."),
        ),
    )
