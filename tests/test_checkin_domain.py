"""The check-in's domain rules: typed temperatures in every format, and the fever question's answers."""

import pytest

from bot.domain.checkin import (
    BUTTON_ANSWERS,
    HOT_UNMEASURED,
    Answers,
    Question,
    accepts,
    fahrenheit_to_celsius,
    next_question,
    parse_temperature,
)


@pytest.mark.parametrize(
    ("typed", "celsius"),
    [
        # Celsius, with a point or a comma, with or without a unit.
        ("38.5", "38.5"),
        ("38,5", "38.5"),
        ("38", "38.0"),
        ("38.", "38.0"),
        (" 38.25 ", "38.2"),  # kept to one decimal
        ("38.5C", "38.5"),
        ("38.5c", "38.5"),
        ("38.5 C", "38.5"),
        ("38.5 °C", "38.5"),
        ("38.5°C", "38.5"),
        ("38.5°", "38.5"),
        ("38,7 °C", "38.7"),
        ("38.5 celsius", "38.5"),
        ("38.5 degrees", "38.5"),
        ("38.5 degrees C", "38.5"),
        ("38.5 deg c", "38.5"),
        ("38.5C.", "38.5"),
        # Fahrenheit: with F, or any number above 45 with no unit.
        ("101F", "38.3"),
        ("101 F", "38.3"),
        ("101f", "38.3"),
        ("101.3 °F", "38.5"),
        ("101.3°F", "38.5"),
        ("101,3F", "38.5"),
        ("100.8 degrees", "38.2"),
        ("100.8 degrees F", "38.2"),
        ("100.8 deg F", "38.2"),
        ("100.8 fahrenheit", "38.2"),
        ("100.8", "38.2"),
        ("100.4", "38.0"),  # the usual fever line in Fahrenheit lands on 38.0
        ("100.3F", "37.9"),
        ("98.6", "37.0"),
        ("104 F", "40.0"),
        ("93.2F", "34.0"),  # the lowest plausible value, converted
        ("109.4 F", "43.0"),  # the highest plausible value, converted
        # Plausible Celsius range edges.
        ("34", "34.0"),
        ("43", "43.0"),
        ("45", None),  # 45 is not above the Fahrenheit line, and is too hot in Celsius
        ("45.1", None),  # read as Fahrenheit: 7.3 °C
        # Implausible or unreadable.
        ("33.9", None),
        ("43.1", None),
        ("38 F", None),  # 3.3 °C
        ("101 C", None),
        ("93.1F", None),
        ("109.5F", None),
        ("1000", None),
        ("-38", None),
        ("38.5.5", None),
        ("38 5", None),
        ("thirty eight", None),
        ("38.5 K", None),
        ("", None),
        ("F", None),
        ("°C", None),
        ("hot", None),
    ],
)
def test_parse_temperature(typed: str, celsius: str | None) -> None:
    """Each way of typing a temperature is read as Celsius with one decimal, or refused when not plausible."""
    assert parse_temperature(typed) == celsius


@pytest.mark.parametrize(("fahrenheit", "celsius"), [(32.0, 0.0), (212.0, 100.0), (98.6, 37.0), (-40.0, -40.0)])
def test_fahrenheit_to_celsius(fahrenheit: float, celsius: float) -> None:
    """The conversion is exact at the known points."""
    assert fahrenheit_to_celsius(fahrenheit) == pytest.approx(celsius)


def test_a_temperature_button_must_carry_a_value_as_stored() -> None:
    """Button data for the temperature is taken only in the stored form: a band, a typed value read, or skipped."""
    assert accepts(Question.TEMPERATURE, "38.5")
    assert accepts(Question.TEMPERATURE, "skipped")
    assert not accepts(Question.TEMPERATURE, "101f")
    assert not accepts(Question.TEMPERATURE, "38")
    assert not accepts(Question.TEMPERATURE, "50.0")


def test_hot_but_unmeasured_is_a_fever_answer_that_does_not_ask_the_temperature() -> None:
    """The fever question offers "hot or shivery, can't measure"; only "yes" goes on to the temperature."""
    assert HOT_UNMEASURED in BUTTON_ANSWERS[Question.FEVER]
    assert accepts(Question.FEVER, HOT_UNMEASURED)
    before = Answers({Question.BREATHING: "no", Question.EYES: "no", Question.UNWELL: "no", Question.SPREADING: "no"})
    assert next_question(before.with_answer(Question.FEVER, HOT_UNMEASURED)) is Question.PUS
    assert next_question(before.with_answer(Question.FEVER, "yes")) is Question.TEMPERATURE
    assert (
        before.with_answer(Question.FEVER, HOT_UNMEASURED).with_answer(Question.TEMPERATURE, "39.0").temperature()
        is None
    )


@pytest.mark.parametrize(
    ("tapped", "typed", "expected"),
    [
        ({"pus": "no"}, {"pus": "yes"}, {"pus": "yes"}),
        ({"pus": "yes"}, {"pus": "no"}, {"pus": "yes"}),
        ({"pain": "3"}, {"pain": "8"}, {"pain": "8"}),
        ({"pain": "8"}, {"pain": "3"}, {"pain": "8"}),
        ({"spreading": "slow"}, {"spreading": "fast"}, {"spreading": "fast"}),
        ({"fever": "no"}, {"fever": "yes", "temperature": "38.6"}, {"fever": "yes", "temperature": "38.6"}),
        ({"fever": "yes", "temperature": "37.5"}, {"temperature": "38.6"}, {"fever": "yes", "temperature": "38.6"}),
        ({"fever": "hot_unmeasured"}, {"fever": "yes", "temperature": "37.9"}, {"fever": "hot_unmeasured"}),
        (
            {"fever": "yes", "temperature": "skipped"},
            {"temperature": "37.6"},
            {"fever": "yes", "temperature": "skipped"},
        ),
        (
            {"redness": "moderate", "redness_trend": "same"},
            {"redness": "mild", "redness_trend": "worse"},
            {"redness": "moderate", "redness_trend": "worse"},
        ),
    ],
)
def test_typed_answers_raise_tapped_ones_and_never_lower_them(
    tapped: dict[str, str], typed: dict[str, str], expected: dict[str, str]
) -> None:
    """Typed findings join tapped answers where more concerning; a typed reading never undoes a fever felt or unread."""

    def answers(values: dict[str, str]) -> Answers:
        return Answers({Question(question): value for question, value in values.items()})

    assert answers(tapped).raised_by(answers(typed)) == answers(expected)
