"""What /history and the clinic's patient view show of check-ins: a line each, the chart's points and words."""

from bot.content.keys import member
from bot.content.packs import LanguagePack
from bot.domain.checkin import Question
from bot.domain.records import Checkin, CheckinStatus, Escalation
from bot.reports.charts import ChartLabels, ChartPoint
from bot.views.checkin import answer_label

_TIER_ORDER = ("soon", "same_day", "emergency")


def alert_tiers(escalations: list[Escalation]) -> dict[int, str]:
    """Map each check-in to the most urgent tier of the alerts it raised."""
    tiers: dict[int, str] = {}
    for escalation in escalations:
        if escalation.checkin_id is None:
            continue
        known = tiers.get(escalation.checkin_id)
        if known is None or _TIER_ORDER.index(escalation.tier) > _TIER_ORDER.index(known):
            tiers[escalation.checkin_id] = escalation.tier
    return tiers


def chart_point(checkin: Checkin, alert_tier: str | None) -> ChartPoint:
    """Turn a check-in into a point of the chart."""
    answers = checkin.answers
    return ChartPoint(
        day=checkin.day,
        redness=answers.level(Question.REDNESS),
        swelling=answers.level(Question.SWELLING),
        pimples=answers.level(Question.PIMPLES),
        pain=answers.pain(),
        alert_tier=alert_tier,
    )


def summary_line(pack: LanguagePack, checkin: Checkin, alert_tier: str | None) -> str:
    """Summarise one check-in on one line."""
    answers = checkin.answers

    def shown(question: Question) -> str:
        """Return an answer as the patient saw it on its button, or the unknown mark."""
        value = answers.get(question)
        return pack.text("history.unknown") if value is None else answer_label(pack, question, value)

    summary = pack.text(
        "history.summary",
        redness=shown(Question.REDNESS),
        swelling=shown(Question.SWELLING),
        pimples=shown(Question.PIMPLES),
        pain=shown(Question.PAIN),
    )
    line = pack.text("history.line", day=checkin.day, date=pack.format_date(checkin.local_date), summary=summary)
    if alert_tier is not None:
        line += " " + pack.text("history.alert", tier_label=pack.text(member("staff.tier.{}", alert_tier)))
    if checkin.status is CheckinStatus.PARTIAL:
        line += " " + pack.text("history.partial")
    return line


def chart_labels(pack: LanguagePack) -> ChartLabels:
    """Take every word on the chart from the content pack."""
    ticks = pack.words("history.chart.severity")
    return ChartLabels(
        title=pack.text("history.chart.title"),
        day_axis=pack.text("history.chart.day_axis"),
        redness=pack.text("history.chart.redness"),
        swelling=pack.text("history.chart.swelling"),
        pimples=pack.text("history.chart.pimples"),
        pain=pack.text("history.chart.pain"),
        alert=pack.text("history.chart.alert"),
        severity_ticks=(ticks[0], ticks[1], ticks[2], ticks[3]),
    )
