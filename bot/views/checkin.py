"""What the check-in shows: each question with its buttons, and the triage reply, built from the content pack."""

from telegram import InlineKeyboardMarkup

from bot.care.services import Services
from bot.content.keys import Family, as_key, member
from bot.content.packs import LanguagePack
from bot.domain.checkin import (
    BUTTON_ANSWERS,
    NOT_MEASURED,
    QUESTION_ORDER,
    Answers,
    Question,
    is_asked,
)
from bot.domain.clinic import ClinicInfo
from bot.domain.triage import Reason, Tier, TriageResult
from bot.telegram import callbacks
from bot.views.screens import ButtonSpec, View, keyboard

# The content's label family for each question's answers; yes/no questions use button.yes and button.no.
_LABEL_FAMILY: dict[Question, Family] = {
    Question.SPREADING: "answers.spreading.{}",
    Question.FEVER: "answers.fever.{}",
    Question.TEMPERATURE: "answers.temperature.{}",
    Question.REDNESS: "answers.severity.{}",
    Question.SWELLING: "answers.severity.{}",
    Question.REDNESS_TREND: "answers.trend.{}",
    Question.SWELLING_TREND: "answers.trend.{}",
    Question.PIMPLES: "answers.pimples.{}",
}
_PER_ROW = {Question.PAIN: 6, Question.TEMPERATURE: 2, Question.FEVER: 1, Question.SPREADING: 1}
_SCREENS_AFTER = {
    Tier.SELF_CARE: ("normal", "pimples"),
    Tier.SOON: ("get_help", "contact"),
    Tier.SAME_DAY: ("get_help", "contact"),
    Tier.EMERGENCY: ("get_help",),
}


def answer_label(pack: LanguagePack, question: Question, value: str) -> str:
    """Return the button label for one answer to a question."""
    if question is Question.PAIN:
        return value
    if question in (Question.PHOTO, Question.NOTE):
        return pack.label("skip")
    family = _LABEL_FAMILY.get(question)
    if family is None:
        return pack.text(as_key(f"button.{value}"))
    return pack.text(member(family, value.replace(".", "_")))


def question_text(pack: LanguagePack, question: Question, answers: Answers, day: int, *, lead: str = "") -> str:
    """Show one question: header with progress, an optional lead-in, and the question."""
    applicable = [q for q in QUESTION_ORDER if is_asked(q, answers)]
    header = pack.text("checkin.header", day=day, step=applicable.index(question) + 1, total=len(applicable))
    return "\n\n".join(part for part in (header, lead, pack.text(member("questions.{}", question))) if part)


def question_buttons(pack: LanguagePack, question: Question) -> InlineKeyboardMarkup:
    """Show a question's answer buttons, then Back (from the second question on) and Cancel."""
    buttons = [
        (answer_label(pack, question, value), callbacks.checkin_answer(question, value))
        for value in BUTTON_ANSWERS[question]
    ]
    width = _PER_ROW.get(question, 2 if len(buttons) <= 4 else 3)
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    controls: list[ButtonSpec] = []
    if question is not QUESTION_ORDER[0]:
        controls.append((pack.label("back"), callbacks.CHECKIN_BACK))
    controls.append((pack.label("cancel_checkin"), callbacks.CHECKIN_CANCEL))
    rows.append(controls)
    return keyboard(rows)


def triage_view(
    pack: LanguagePack,
    result: TriageResult,
    *,
    clinic: ClinicInfo,
    clinic_open: bool | None,
    day_text: str,
    fever_not_measured: bool,
) -> View:
    """Show the triage reply: what the tier means, what to do now, the numbers, why, and what if it gets worse."""
    tier = result.tier.code
    values = {"clinic_phone": clinic.phone, "clinic_hours": clinic.hours}
    parts = [pack.text(member("triage.{}.title", tier)), pack.text(member("triage.{}.what_now", tier), **values)]
    # The clinic line (with Health811 when closed) is left out of emergency replies: there, only 911 is the answer.
    if result.tier is Tier.SAME_DAY and clinic_open is not None:
        parts.append(
            pack.text("triage.clinic_open", clinic_phone=clinic.phone)
            if clinic_open
            else pack.text("triage.clinic_closed", clinic_hours=clinic.hours)
        )
    if result.reasons:
        reasons = "\n".join(f"• {pack.text(member('reasons.{}', reason))}" for reason in result.reasons)
        parts.append(f"{pack.text('triage.why')}\n{reasons}")
    if fever_not_measured:
        parts.append(pack.text("triage.fever_not_measured"))
    if result.tier is Tier.SELF_CARE:
        parts.append(day_text)
    parts.append(pack.text("triage.if_worse"))
    rows = [[(_screen_label(pack, screen), callbacks.open_screen(screen))] for screen in _SCREENS_AFTER[result.tier]]
    rows.append([(pack.label("main_menu"), callbacks.open_screen("main"))])
    return "\n\n".join(parts), keyboard(rows)


def advice_view(services: Services, pack: LanguagePack, answers: Answers, day: int, result: TriageResult) -> View:
    """Build the triage reply for a patient's answers on a day of recovery, with the clinic as it is now."""
    return triage_view(
        pack,
        result,
        clinic=services.clinic,
        clinic_open=services.clinic_open_now(),
        day_text=pack.normal_by_day.today(day),
        fever_not_measured=fever_was_not_measured(answers),
    )


def fever_was_not_measured(answers: Answers) -> bool:
    """Tell whether the patient said they did not measure their temperature."""
    return answers.get(Question.FEVER) == NOT_MEASURED


def _screen_label(pack: LanguagePack, screen_id: str) -> str:
    """Return the main-menu label of a screen, so a link reads the same as in the menu."""
    for row in pack.screens["main"].rows:
        for button in row:
            if button.target == screen_id:
                return button.label
    raise KeyError(screen_id)


def stored_result(tier: str, reasons: tuple[str, ...]) -> TriageResult:
    """Rebuild a triage result from its stored codes; a reason this version does not know is left out."""
    known = {reason.value: reason for reason in Reason}
    return TriageResult(
        tier=next(level for level in Tier if level.code == tier),
        reasons=tuple(known[code] for code in reasons if code in known),
    )
