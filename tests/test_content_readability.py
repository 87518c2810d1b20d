"""Readability of what a worried patient reads first: FK grade 8 at most in English, Kandel-Moles 60+ in French."""

import html
import re

import pytest
import textstat  # type: ignore[import-untyped]

from bot.content.keys import TYPED_SIGNS, as_key
from bot.content.packs import Content, LanguagePack, SafeHtml
from bot.domain.clinic import ClinicInfo

MAX_GRADE = 8.0
MIN_FRENCH_EASE = 60.0  # Kandel-Moles: 60 to 70 is plain prose, what a grade-8 reader reads
CLINIC = ClinicInfo(name="Maple Skin Clinic", phone="416-555-0199", hours="Mon-Fri 9:00-17:00")
_TAG = re.compile(r"<[^>]+>")
_SYMBOLS = re.compile(r"[^\w\s.,;:!?'()°/-]")  # emoji and bullets, which are not words


def prose(text: str) -> str:
    """Return a text as sentences: no tags or emoji, and each line of a list counted as a sentence of its own."""
    lines = (_SYMBOLS.sub("", line).strip() for line in html.unescape(_TAG.sub("", text)).splitlines())
    return " ".join(line if line[-1] in ".?!:" else f"{line}." for line in lines if line)


def grade(text: str) -> float:
    """Return the Flesch-Kincaid grade of a text as the patient reads it."""
    return float(textstat.flesch_kincaid_grade(prose(text)))


def sign(en: LanguagePack, code: str) -> str:
    """Return a sign's phrase with a typical value filled in."""
    return en.text(as_key(f"typed.sign.{code}"), temperature="38.6", pain="8")


def french_ease(text: str) -> float:
    """Return the Kandel-Moles reading ease of a French text as the patient reads it (higher is easier)."""
    textstat.set_lang("fr")
    try:
        return float(textstat.flesch_reading_ease(prose(text)))
    finally:
        textstat.set_lang("en_US")


def texts(en: LanguagePack, and_word: str = "and") -> dict[str, str]:
    """The patient-facing typed-text replies, "When to get help" and the emergency title, as sent."""
    found = {
        "triage.emergency.title": en.text("triage.emergency.title"),
        "typed.self_care": en.text("typed.self_care", day_text=SafeHtml("")),
        "typed.unsure": en.text("typed.unsure"),
        "screens.get_help": en.render_screen("get_help", CLINIC, 3),
        "typed.mentioned (two signs)": en.text(
            "typed.mentioned", signs=f"{sign(en, 'fever_temperature')} {and_word} {sign(en, 'pus')}"
        ),
        "typed.mentioned (three signs)": en.text(
            "typed.mentioned", signs=f"{sign(en, 'pain')}, {sign(en, 'warmth')} {and_word} {sign(en, 'redness_worse')}"
        ),
    }
    found |= {f"typed.sign.{code}": en.text("typed.mentioned", signs=sign(en, code)) for code in TYPED_SIGNS}
    return found


def test_patient_facing_texts_read_at_grade_8_or_below(en: LanguagePack) -> None:
    """Each text scores grade 8 or below; the figures are printed for the report."""
    grades = {key: grade(text) for key, text in texts(en).items()}
    for key, value in sorted(grades.items(), key=lambda item: -item[1]):
        print(f"{value:5.1f}  {key}")
    assert {key: value for key, value in grades.items() if value > MAX_GRADE} == {}


def test_the_french_texts_read_as_plainly(content: Content) -> None:
    """The same texts in French score 60 or more on Kandel-Moles; the figures are printed for the report."""
    eases = {key: french_ease(text) for key, text in texts(content.pack("fr"), "et").items()}
    for key, value in sorted(eases.items(), key=lambda item: item[1]):
        print(f"{value:5.1f}  {key}")
    assert {key: value for key, value in eases.items() if value < MIN_FRENCH_EASE} == {}


def test_the_french_measure_tells_plain_from_hard_text() -> None:
    """Kandel-Moles separates a plain French sentence from a clinical one."""
    assert french_ease("<b>Appelez le 911 tout de suite.</b>") >= MIN_FRENCH_EASE
    clinical = (
        "Nonobstant une variabilité interindividuelle considérable, les manifestations érythémateuses nécessitent "
        "une évaluation dermatologique approfondie."
    )
    assert french_ease(clinical) < MIN_FRENCH_EASE


@pytest.mark.parametrize(
    ("text", "hard"),
    [
        ("<b>Call 911 now.</b>", False),
        (
            "Notwithstanding considerable interindividual variability, erythematous manifestations necessitate "
            "comprehensive dermatological evaluation.",
            True,
        ),
    ],
)
def test_the_grade_tells_plain_from_hard_text(text: str, hard: bool) -> None:
    """The measure itself separates a plain sentence from a clinical one."""
    assert (grade(text) > MAX_GRADE) is hard
