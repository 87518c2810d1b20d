"""Steps of a check-in that the journey tests share: the labels a patient taps for each kind of answer."""

from bot.content.keys import as_key
from bot.content.packs import LanguagePack
from bot.local_api import BotMessage, LocalUser

# A normal day: every red flag answered no, mild redness getting better, a few pimples, pain 3.
NORMAL_DAY = (
    ("breathing", "no"),
    ("eyes", "no"),
    ("unwell", "no"),
    ("spreading", "no"),
    ("fever", "no"),
    ("pus", "no"),
    ("warmth", "no"),
    ("blisters", "no"),
    ("pain", "3"),
    ("redness", "mild"),
    ("redness_trend", "better"),
    ("swelling", "none"),
    ("pimples", "few"),
    ("pimples_increasing", "no"),
    ("rash", "no"),
    ("dark_patches", "no"),
    ("photo", "skip"),
    ("note", "skip"),
)
_FAMILIES = {
    "spreading": "answers.spreading",
    "fever": "answers.fever",
    "temperature": "answers.temperature",
    "redness": "answers.severity",
    "swelling": "answers.severity",
    "redness_trend": "answers.trend",
    "swelling_trend": "answers.trend",
    "pimples": "answers.pimples",
}


def label_for(en: LanguagePack, question: str, value: str) -> str:
    """Return the label of the button a patient taps to give this answer."""
    if question == "pain":
        return value
    if question in _FAMILIES:
        return en.text(as_key(f"{_FAMILIES[question]}.{value.replace('.', '_')}"))
    return en.text(as_key(f"button.{value}"))


def with_answers(**changes: str) -> list[tuple[str, str]]:
    """Return the normal day's answers with some changed, in the order the questions come."""
    return [(question, changes.get(question, value)) for question, value in NORMAL_DAY]


async def start_checkin(user: LocalUser, en: LanguagePack, day: int) -> BotMessage:
    """Send /checkin and return the first question, checking the intro names the day."""
    await user.send("/checkin")
    first = await user.next_output()
    assert en.text("checkin.intro", day=day) in first.text
    assert en.text("questions.breathing") in first.text
    return first


async def answer_all(user: LocalUser, en: LanguagePack, answers: list[tuple[str, str]]) -> BotMessage:
    """Tap through the answers in order, each on the check-in message, and return the last output."""
    shown = user.last_message()
    for question, value in answers:
        assert en.text(as_key(f"questions.{question}")) in shown.text, f"expected the {question} question"
        await user.press(label_for(en, question, value), message=shown)
        shown = await user.next_output()
    return shown
