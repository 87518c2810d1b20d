"""Deciding each finding's context as NegEx and ConText do: trigger phrases, their scopes, and trends and amounts.

A trigger puts a finding in a context: a negation before ("no pus") or after ("pus? no"), a question or doubt, a
condition ("if I get a fever"), another person, the past. A trigger's scope ends at the end of the clause or at a
terminator ("but", "mais").
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.checkin import SPREADING_FAST, SPREADING_SLOW
from bot.domain.findings import PIMPLES_MANY, TRENDED, Context, Finding, FindingKind
from bot.reading.matching import Candidate, Message, PhraseIndex, running_counts
from bot.reading.patterns import Phrase
from bot.reading.text import CLAUSE_ENDS, QUESTION, SENTENCE_ENDS

NEGATION_WINDOW_BEFORE, NEGATION_WINDOW_AFTER = 5, 3
CONTEXT_WINDOW = 8
TREND_WINDOW, AMOUNT_WINDOW, SPEED_WINDOW = 6, 4, 5
TOKEN_REACH = 40  # triggers and modifiers further than this many tokens from a finding are not looked at
CLAUSE_PENALTY = 2  # a trend word across a comma counts as this many words further away
# When contexts compete, the first in this order wins: a denial is never overridden, a doubt counts as present.
# What ends a trigger's scope besides punctuation: terminators ("but") end every scope; conjunctions ("and") end
# all but a condition's and another person's ("if I get a fever and pus", "my sister has a fever and chills").
_ALL_STOPS = ("terminators", "conjunctions")
_PRECEDENCE = (
    Context.NEGATED,
    Context.HYPOTHETICAL,
    Context.OTHER_PERSON,
    Context.HISTORICAL,
    Context.POSSIBLE,
)


@dataclass(frozen=True)
class Trigger:
    """A context or modifier phrase found in the message."""

    category: str
    start: int
    end: int  # inclusive


def trigger_index(lists: dict[str, list[Phrase]]) -> PhraseIndex[tuple[str, ...]]:
    """Index trigger phrases by phrase, each with every category it is listed in."""
    categories: dict[Phrase, list[str]] = {}
    for category, phrases in lists.items():
        for phrase in phrases:
            categories.setdefault(phrase, []).append(category)
    return PhraseIndex((tuple(names), phrase) for phrase, names in categories.items())


def find_triggers(message: Message, index: PhraseIndex[tuple[str, ...]], blocked: set[int]) -> list[Trigger]:
    """Find trigger phrases, longest first, each word used once, skipping words that belong to findings.

    A phrase listed in several categories ("no" before and after a finding) is a trigger of each.
    """
    matches = sorted(index.all(message, blocked), key=lambda match: (match[1] - match[2], match[1]))
    used = set(blocked)
    found: list[Trigger] = []
    for categories, start, end in matches:
        span = range(start, end + 1)
        if any(position in used for position in span):
            continue
        found += [Trigger(category, start, end) for category in categories]
        used.update(span)
    return found


@dataclass
class Scene:
    """What surrounds the findings of a message: its triggers, modifiers and the findings' spans."""

    message: Message
    triggers: list[Trigger]
    modifiers: list[Trigger]
    spans: list[tuple[int, int, FindingKind]]  # every finding's first and last position, and its kind
    joining: set[int]  # positions of list words ("or", "ni") that carry a negation on to the next finding

    def __post_init__(self) -> None:
        self.triggers.sort(key=lambda trigger: trigger.start)
        self.modifiers.sort(key=lambda modifier: modifier.start)
        self.spans.sort()
        self._trigger_starts = [trigger.start for trigger in self.triggers]
        self._modifier_starts = [modifier.start for modifier in self.modifiers]
        self._span_starts = [span[0] for span in self.spans]
        self._stops: dict[tuple[str, ...], list[int]] = {}

    def around(self, start: int, end: int, modifiers: bool = False) -> list[Trigger]:
        """Return the triggers (or modifiers) that start within reach of a finding from start to end."""
        items, starts = (self.modifiers, self._modifier_starts) if modifiers else (self.triggers, self._trigger_starts)
        return items[bisect_left(starts, start - TOKEN_REACH) : bisect_right(starts, end + TOKEN_REACH)]

    def cut(self, left: int, right: int, marks: Iterable[str], stops: tuple[str, ...] = _ALL_STOPS) -> bool:
        """Tell whether a scope from left to right is cut by a mark or a stopping trigger."""
        if self.message.crosses(left, right, marks):
            return True
        counts = self._stops.get(stops)
        if counts is None:
            starting = {trigger.start for trigger in self.triggers if trigger.category in stops}
            counts = running_counts(position in starting for position in range(len(self.message.tokens)))
            self._stops[stops] = counts
        return right - left > 1 and counts[right] - counts[left + 1] > 0

    def listed(self, left: int, right: int, kind: FindingKind) -> bool:
        """Tell whether a negation at left reaches a finding at right past the findings between: only in a list.

        "no pus or fever" negates both; "no pus fever 39" (no punctuation) negates only the pus.
        """
        nearby = self.spans[bisect_right(self._span_starts, left) : bisect_left(self._span_starts, right)]
        between = [span for span in nearby if span[1] < right]
        if not between:
            return True
        last = max(between, key=lambda span: span[1])
        gap = range(last[1] + 1, right)
        if not gap:
            return last[2] is kind  # "no blurry vision": one finding in two phrases
        return all(position in self.joining for position in gap)

    def followed(self, trigger: Trigger) -> bool:
        """Tell whether a trigger is no denial after a finding: a finding follows it in its clause, or it asks.

        "fever no pus": the "no" negates forward; "fever 38 is ok?" asks rather than denies.
        """
        if self.message.closing(trigger.end + 1) == QUESTION:
            return True
        following = bisect_right(self._span_starts, trigger.end)
        if following == len(self.spans):
            return False
        return not self.message.crosses(trigger.end, self.spans[following][0], CLAUSE_ENDS)


def finding_in_context(scene: Scene, kind: FindingKind, candidate: Candidate) -> Finding:
    """Decide a candidate's context, trend and value from the triggers and modifiers around it."""
    start, end = candidate.positions[0], candidate.positions[-1]
    contexts = _contexts(scene, start, end, kind)
    context = next((context for context in _PRECEDENCE if context in contexts), Context.AFFIRMED)
    value, trend = candidate.value, None
    if kind in TRENDED:
        trend = _nearest(scene, start, end, ("worse", "same", "better"), TREND_WINDOW)
    if kind is FindingKind.PIMPLES and _nearest(scene, start, end, ("many",), AMOUNT_WINDOW):
        value = PIMPLES_MANY
    if kind is FindingKind.SPREADING and value in (None, SPREADING_SLOW):
        fast = _nearest(scene, start, end, ("fast",), SPEED_WINDOW)
        value = SPREADING_FAST if fast else SPREADING_SLOW
    words = " ".join(scene.message.tokens[position].text for position in candidate.positions)
    return Finding(kind, value, context, words, trend)


def _contexts(scene: Scene, start: int, end: int, kind: FindingKind) -> set[Context]:
    """Return every context a trigger around the finding (from start to end) puts it in."""
    message = scene.message

    def before(trigger: Trigger, window: int, marks: Iterable[str], stops: tuple[str, ...] = _ALL_STOPS) -> bool:
        """Tell whether the trigger comes before the finding and reaches it."""
        return (
            trigger.end < start
            and message.gap(trigger.end, start) <= window
            and not scene.cut(trigger.end, start, marks, stops)
        )

    def after(trigger: Trigger, window: int, marks: Iterable[str]) -> bool:
        """Tell whether the trigger comes after the finding and reaches back to it."""
        return (
            trigger.start > end
            and message.gap(end, trigger.start) <= window
            and not scene.cut(end, trigger.start, marks)
        )

    found: set[Context] = set()
    for trigger in scene.around(start, end):
        category = trigger.category
        if _negates(scene, trigger, start, end, kind, before(trigger, NEGATION_WINDOW_BEFORE, CLAUSE_ENDS)) or (
            category == "negated_after"
            and after(trigger, NEGATION_WINDOW_AFTER, CLAUSE_ENDS - {QUESTION, ":"})
            and not scene.followed(trigger)
        ):
            found.add(Context.NEGATED)
        elif category == "hypothetical_before" and before(trigger, CONTEXT_WINDOW, CLAUSE_ENDS, ("terminators",)):
            found.add(Context.HYPOTHETICAL)
        elif category == "other_person_before" and before(
            trigger, CONTEXT_WINDOW, SENTENCE_ENDS, ("terminators", "first_person")
        ):
            found.add(Context.OTHER_PERSON)
        elif (category == "historical_before" and before(trigger, CONTEXT_WINDOW, CLAUSE_ENDS)) or (
            category == "historical_after" and after(trigger, CONTEXT_WINDOW, CLAUSE_ENDS)
        ):
            found.add(Context.HISTORICAL)
        elif (category == "possible_before" and before(trigger, CONTEXT_WINDOW, SENTENCE_ENDS)) or (
            category == "possible_after" and after(trigger, NEGATION_WINDOW_AFTER, SENTENCE_ENDS)
        ):
            found.add(Context.POSSIBLE)
    if message.closing(end + 1) == QUESTION:
        found.add(Context.POSSIBLE)
    return found


def _negates(scene: Scene, trigger: Trigger, start: int, end: int, kind: FindingKind, reaches: bool) -> bool:
    """Tell whether a negation before a finding negates it: in reach and in a list, or inside a word pair."""
    if trigger.category != "negated_before":
        return False
    return (reaches and scene.listed(trigger.end, start, kind)) or start < trigger.start < end


def _nearest(scene: Scene, start: int, end: int, categories: tuple[str, ...], window: int) -> str | None:
    """Return the category of the nearest modifier of the given categories in the finding's sentence, or None."""
    best: tuple[int, str] | None = None
    for modifier in scene.around(start, end, modifiers=True):
        if modifier.category not in categories:
            continue
        if modifier.end < start:
            left, right = modifier.end, start
        elif modifier.start > end:
            left, right = end, modifier.start
        else:
            return modifier.category  # inside a word pair: "redness ... more ... spreading"
        if scene.cut(left, right, SENTENCE_ENDS, stops=()):
            continue
        distance = scene.message.gap(left, right) + CLAUSE_PENALTY * scene.cut(left, right, CLAUSE_ENDS, stops=())
        if distance <= window and (best is None or distance < best[0]):
            best = (distance, modifier.category)
    return None if best is None else best[1]
