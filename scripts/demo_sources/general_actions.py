"""Demo conversations that do things or need no tool: files, math, calendar, mail, reminders, refusals."""

from __future__ import annotations

from catalog import Scenario, answer, call, result, user


def files_sequential(v: int) -> Scenario:
    folder = ["/home/ana/reports", "/srv/app/config", "/data/exports"][v % 3]
    name = ["q3_summary.md", "settings.toml", "latest.csv"][v % 3]
    return Scenario(
        f"files-{name}",
        ("list_directory", "read_file", "move_file"),
        (
            user(f"What's in {folder}? If there's a {name.split('.')[-1]} file, show me its content."),
            call(("list_directory", {"path": folder}), thought=f"First I'll list {folder}."),
            result({"entries": [name, "archive", "notes.txt"]}),
            call(("read_file", {"path": f"{folder}/{name}"}), thought=f"The folder has {name}; reading it."),
            result({"content": "# Summary\nRevenue grew 12% quarter over quarter.\n"}),
            answer(
                f"{folder} contains {name}, an archive folder and notes.txt. {name} says: "
                '"Revenue grew 12% quarter over quarter."'
            ),
        ),
    )


def files_move(v: int) -> Scenario:
    src, dst = [("draft.docx", "final.docx"), ("IMG_2041.jpg", "photos/beach.jpg"), ("todo.txt", "done.txt")][v % 3]
    return Scenario(
        f"move-{src}",
        ("move_file", "list_directory"),
        (
            user(f"Rename {src} to {dst} in my Documents folder, and replace it if it already exists."),
            call(
                ("move_file", {"source": f"~/Documents/{src}", "destination": f"~/Documents/{dst}", "overwrite": True})
            ),
            result({"moved": True, "replaced_existing": False}),
            answer(f"Done: ~/Documents/{src} is now ~/Documents/{dst}."),
        ),
    )


def loan(v: int) -> Scenario:
    principal, rate, months, payment = [(250000, 4.5, 360, 1266.71), (18000, 6.9, 60, 355.57), (9500, 3.2, 36, 277.31)][
        v % 3
    ]
    return Scenario(
        f"loan-{principal}",
        ("calculate_loan_payment", "convert_currency"),
        (
            user(f"What would my monthly payment be on a {principal:,} loan at {rate}% over {months // 12} years?"),
            call(("calculate_loan_payment", {"principal": principal, "annual_rate": rate, "months": months})),
            result({"monthly_payment": payment, "total_interest": round(payment * months - principal, 2)}),
            answer(f"Your monthly payment would be about {payment:,.2f}."),
        ),
    )


def quadratic(v: int) -> Scenario:
    coefficients, roots = [((1, -3, 2), [2.0, 1.0]), ((2, 4, -6), [1.0, -3.0]), ((1, 2, 5), [])][v % 3]
    x2, x1, c = coefficients
    reply = f"The roots are x = {roots[0]} and x = {roots[1]}." if roots else "This equation has no real roots."
    return Scenario(
        f"quadratic-{x2}-{x1}-{c}",
        ("solve_quadratic", "compute_statistics"),
        (
            user(f"Solve {x2}x^2 + {x1}x + {c} = 0."),
            call(("solve_quadratic", {"a": x2, "b": x1, "c": c})),
            result({"roots": roots, "discriminant": x1 * x1 - 4 * x2 * c}),
            answer(reply),
        ),
    )


def statistics(v: int) -> Scenario:
    data = [[12, 15, 11, 19, 23, 15], [3.2, 4.8, 5.1, 2.9], [100, 250, 175, 90, 310]][v % 3]
    return Scenario(
        f"stats-{len(data)}",
        ("compute_statistics", "solve_quadratic"),
        (
            user(f"Give me the mean, median and standard deviation of {data}."),
            call(("compute_statistics", {"numbers": data, "measures": ["mean", "median", "stdev"]})),
            result({"mean": round(sum(data) / len(data), 3), "median": sorted(data)[len(data) // 2], "stdev": 4.427}),
            answer(
                f"Mean {round(sum(data) / len(data), 3)}, median {sorted(data)[len(data) // 2]}, "
                "standard deviation about 4.43."
            ),
        ),
    )


def meeting_parallel_multiple(v: int) -> Scenario:
    who = ["priya@example.com", "tom.becker@example.org", "li.wei@example.net"][v % 3]
    return Scenario(
        f"meeting-{who}",
        ("create_calendar_event", "send_email", "set_reminder"),
        (
            user(
                f"Book a 30-minute 'Budget review' with {who} on 2025-05-12 at 14:00 and e-mail them the agenda: "
                "Q2 spend, hiring plan."
            ),
            call(
                (
                    "create_calendar_event",
                    {
                        "title": "Budget review",
                        "start_time": "2025-05-12T14:00",
                        "duration_minutes": 30,
                        "attendees": [who],
                    },
                ),
                (
                    "send_email",
                    {
                        "to": who,
                        "subject": "Agenda: Budget review",
                        "body": "Hi,\n\nAgenda for Monday 14:00:\n1. Q2 spend\n2. Hiring plan\n\nThanks",
                    },
                ),
            ),
            result({"event_id": "evt_88213", "status": "created"}, {"message_id": "msg_5521", "status": "sent"}),
            answer(f"The meeting is booked for 2025-05-12 at 14:00 and the agenda has been sent to {who}."),
        ),
    )


def translate_parallel(v: int) -> Scenario:
    text, german, portuguese = [
        ("Where is the train station?", "Wo ist der Bahnhof?", "Onde fica a estação de comboios?"),
        (
            "The meeting is postponed until Friday.",
            "Das Treffen ist auf Freitag verschoben.",
            "A reunião foi adiada para sexta-feira.",
        ),
        ("Thank you for your help!", "Danke für Ihre Hilfe!", "Obrigado pela sua ajuda!"),
    ][v % 3]
    return Scenario(
        f"translate-{v % 3}",
        ("translate_text", "analyze_sentiment"),
        (
            user(f'Translate "{text}" into German and Portuguese.'),
            call(
                ("translate_text", {"text": text, "target_language": "de", "source_language": "en"}),
                ("translate_text", {"text": text, "target_language": "pt", "source_language": "en"}),
            ),
            result({"translation": german}, {"translation": portuguese}),
            answer(f'German: "{german}"\nPortuguese: "{portuguese}"'),
        ),
    )


def recipes(v: int) -> Scenario:
    items, diet = [
        (["chickpeas", "spinach", "garlic"], "vegan"),
        (["salmon", "lemon"], "none"),
        (["rice", "eggs", "scallions"], "vegetarian"),
    ][v % 3]
    return Scenario(
        f"recipes-{items[0]}",
        ("search_recipes", "get_nutrition_info"),
        (
            user(
                f"I have {', '.join(items)}. Anything{' ' + diet if diet != 'none' else ''} I can cook in under "
                "30 minutes?"
            ),
            call(("search_recipes", {"ingredients": items, "diet": diet, "max_minutes": 30})),
            result({"recipes": [{"title": f"Quick {items[0]} skillet", "minutes": 25}]}),
            answer(f"Try a quick {items[0]} skillet: it takes about 25 minutes and uses everything you have."),
        ),
    )


def units_parallel(v: int) -> Scenario:
    return Scenario(
        f"units-{v}",
        ("convert_units", "calculate_bmi"),
        (
            user("Convert 5 miles to kilometres, 180 pounds to kilograms and 72 °F to °C."),
            call(
                ("convert_units", {"value": 5, "from_unit": "mile", "to_unit": "kilometer"}),
                ("convert_units", {"value": 180, "from_unit": "pound", "to_unit": "kilogram"}),
                ("convert_units", {"value": 72, "from_unit": "fahrenheit", "to_unit": "celsius"}),
            ),
            result({"value": 8.047}, {"value": 81.647}, {"value": 22.222}),
            answer("5 miles = 8.05 km, 180 lb = 81.6 kg, and 72 °F = 22.2 °C."),
        ),
    )


def refusal(v: int) -> Scenario:
    request = [
        "Order me a large pepperoni pizza from the place around the corner.",
        "Can you transfer 500 dollars to my landlord?",
        "Please call my mom and tell her I'm late.",
    ][v % 3]
    return Scenario(
        f"refusal-{v % 3}",
        ("get_current_weather", "convert_currency", "search_recipes"),
        (
            user(request),
            answer(
                "I'm sorry, but I can't do that: my tools only cover weather, currency conversion and recipe search. "
                "Is there something along those lines I can help with?"
            ),
        ),
    )


def direct_answer(v: int) -> Scenario:
    question, reply = [
        ("What's the capital of Australia?", "The capital of Australia is Canberra."),
        ("How many days are there in a leap year?", "A leap year has 366 days."),
        ("Who wrote 'Pride and Prejudice'?", "Jane Austen wrote 'Pride and Prejudice' (1813)."),
    ][v % 3]
    return Scenario(f"direct-{v % 3}", ("get_news_headlines", "get_stock_price"), (user(question), answer(reply)))


def restaurant_clarification(v: int) -> Scenario:
    place = ["Casa Lobo", "Sushi Kaito", "Trattoria Bella"][v % 3]
    return Scenario(
        f"restaurant-{place}",
        ("book_restaurant", "calculate_distance"),
        (
            user(f"Reserve a table at {place} on 2025-08-09 at 19:30."),
            answer("Happy to. How many people will be dining?"),
            user("Four of us."),
            call(("book_restaurant", {"restaurant": place, "date": "2025-08-09", "time": "19:30", "party_size": 4})),
            result({"confirmation": "R-77310", "status": "confirmed"}),
            answer(f"Your table for four at {place} on 2025-08-09 at 19:30 is confirmed (ref. R-77310)."),
            user("Great, thanks!"),
            answer("You're welcome. Enjoy your dinner!"),
        ),
    )


def bmi(v: int) -> Scenario:
    weight, height, value = [(72, 1.78, 22.7), (95.5, 1.83, 28.5), (58, 1.62, 22.1)][v % 3]
    return Scenario(
        f"bmi-{weight}",
        ("calculate_bmi", "convert_units"),
        (
            user(f"I weigh {weight} kg and I'm {height} m tall. What's my BMI?"),
            call(("calculate_bmi", {"weight_kg": weight, "height_m": height})),
            result({"bmi": value, "category": "normal" if value < 25 else "overweight"}),
            answer(f"Your BMI is {value}, which is in the {'normal' if value < 25 else 'overweight'} range."),
        ),
    )


def password(v: int) -> Scenario:
    length = [16, 24, 12][v % 3]
    return Scenario(
        f"password-{length}",
        ("generate_password",),
        (
            user(f"Generate a {length}-character password without symbols."),
            call(("generate_password", {"length": length, "include_symbols": False})),
            result({"password": "Rk7pQ2vXm9LtZ4wB"[:length] if length <= 16 else "Rk7pQ2vXm9LtZ4wBn8Ys3JdE"}),
            answer("Here is your new password. Store it in a password manager."),
        ),
    )


def sentiment_parallel(v: int) -> Scenario:
    reviews = [
        ("Battery life is fantastic.", "positive"),
        ("Shipping took forever and the box was crushed.", "negative"),
    ]
    return Scenario(
        f"sentiment-{v}",
        ("analyze_sentiment", "translate_text"),
        (
            user("Classify these two reviews: 1) " + reviews[0][0] + " 2) " + reviews[1][0]),
            call(*(("analyze_sentiment", {"text": text}) for text, _ in reviews)),
            result(*({"sentiment": label, "confidence": 0.94} for _, label in reviews)),
            answer("Review 1 is positive; review 2 is negative."),
        ),
    )


def reminder(v: int) -> Scenario:
    message, when = [
        ("Take the laundry out", "2025-06-03T18:30"),
        ("Call the dentist", "2025-06-04T09:00"),
        ("Submit the expense report", "2025-06-06T16:00"),
    ][v % 3]
    return Scenario(
        f"reminder-{v % 3}",
        ("set_reminder", "create_calendar_event"),
        (
            user(f"Remind me to {message.lower()} at {when.replace('T', ' ')}."),
            call(("set_reminder", {"message": message, "remind_at": when})),
            result({"reminder_id": "rem_301", "scheduled": True}),
            answer(f"Reminder set for {when.replace('T', ' ')}: {message}."),
        ),
    )
