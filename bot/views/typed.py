"""What the bot answers to typed words: the signs it read, in the patient's words back, and the tier's advice."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.keys import member
from bot.content.packs import LanguagePack
from bot.domain.checkin import SPREADING_FAST, SPREADING_SLOW, YES, Answers, Question
from bot.telegram import callbacks
from bot.views.screens import View

# The yes/no questions whose "yes" is a sign in itself, with its phrase (typed.sign.<code>).
_YES_SIGNS = (
    (Question.BREATHING, "breathing"),
    (Question.EYES, "eyes"),
    (Question.UNWELL, "unwell"),
    (Question.PUS, "pus"),
    (Question.WARMTH, "warmth"),
    (Question.BLISTERS, "blisters"),
    (Question.RASH, "rash"),
    (Question.DARK_PATCHES, "dark_patches"),
)
_TRENDS = ((Question.REDNESS_TREND, "redness"), (Question.SWELLING_TREND, "swelling"))


def signs_mentioned(pack: LanguagePack, answers: Answers) -> list[str]:
    """Return the phrases for the signs read from a message, most urgent first, as typed.mentioned lists them."""
    phrases = [
        pack.text(member("typed.sign.{}", code)) for question, code in _YES_SIGNS[:3] if answers.is_yes(question)
    ]
    spreading = answers.get(Question.SPREADING)
    if spreading in (SPREADING_FAST, SPREADING_SLOW):
        phrases.append(pack.text(member("typed.sign.{}", f"spreading_{spreading}")))
    phrases += _fever(pack, answers)
    phrases += [
        pack.text(member("typed.sign.{}", code)) for question, code in _YES_SIGNS[3:] if answers.is_yes(question)
    ]
    pain = answers.pain()
    if pain:
        phrases.append(pack.text("typed.sign.pain", pain=str(pain)))
    if answers.get(Question.PIMPLES) not in (None, "none"):
        increasing = answers.is_yes(Question.PIMPLES_INCREASING)
        phrases.append(pack.text("typed.sign.pimples_increasing" if increasing else "typed.sign.pimples"))
    for question, sign in _TRENDS:
        trend = answers.get(question)
        if trend in ("worse", "same"):
            phrases.append(pack.text(member("typed.sign.{}", f"{sign}_{trend}")))
    return phrases


def _fever(pack: LanguagePack, answers: Answers) -> list[str]:
    """Return the phrase for a fever read from a message: with its temperature, felt but not measured, or plain."""
    fever = answers.get(Question.FEVER)
    if fever == YES:
        temperature = answers.temperature()
        if temperature is not None:
            return [pack.text("typed.sign.fever_temperature", temperature=pack.number(temperature))]
        return [pack.text("typed.sign.fever")]
    if fever is not None and fever not in ("no", "not_measured"):
        return [pack.text("typed.sign.fever_hot_unmeasured")]
    return []


def mentioned(pack: LanguagePack, answers: Answers) -> str:
    """Say which signs were read from a message ("You mentioned pus and a fever."), or "" when none."""
    phrases = signs_mentioned(pack, answers)
    if not phrases:
        return ""
    listed = phrases[0] if len(phrases) == 1 else f"{', '.join(phrases[:-1])} {pack.text('typed.and')} {phrases[-1]}"
    return pack.text("typed.mentioned", signs=listed)


def with_questions(view: View, pack: LanguagePack) -> View:
    """Put the button that starts (or resumes) the warning-sign questions, one tap, above a view's own buttons."""
    text, markup = view
    rows = [[InlineKeyboardButton(pack.label("quick_questions"), callback_data=callbacks.CHECKIN_QUESTIONS)]]
    rows += [list(row) for row in markup.inline_keyboard] if markup is not None else []
    return text, InlineKeyboardMarkup(rows)
