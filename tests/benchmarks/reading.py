"""Reading typed text: accuracy on the corpus, start-up, memory added and time per message, for each reader tried.

Each reader runs in a fresh process (`python -m tests.benchmarks.reading VARIANT` prints its figures as JSON), so
that start-up and the memory it adds are its own. The variants:
- rules: our reader (bot.reading) without misspelling correction;
- rules+rapidfuzz: our reader as shipped (a word of 6 letters or more, one edit away, corrected by rapidfuzz);
- medspacy: spaCy's rule Matcher (FUZZY tokens) with our phrases as medspaCy TargetRules, and medspaCy's ConText
  with its own default (English) rules; only when medspaCy is installed (it is not a dependency of the bot).
- medspacy+our-context: the same, with our English and French context triggers as ConTextRules instead.
In every variant, text is folded the same way first (case, accents, repeated letters) and numbers, trends, speed
and amounts are read by our code, so that the comparison is of the matching and the context rules.
"""

import asyncio
import csv
import importlib
import importlib.util
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.content.triage_rules import load_triage_rules
from bot.domain.findings import Context, Finding, FindingKind, Reading
from bot.domain.triage import Tier, triage
from tests.benchmarks.harness import Figure, Scale

if TYPE_CHECKING:  # bot.reading is imported where it is measured, so that its start-up and memory are counted
    from bot.reading.patterns import Patterns, Phrase

READING_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "reading"

SECTION = "reading"
ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "data" / "triage-corpus.csv"
VARIANTS = ("rules", "rules+rapidfuzz", "medspacy", "medspacy+our-context")
MEDSPACY_VARIANTS = VARIANTS[2:]
TIME_PER_MESSAGE_TARGET_MS = 5.0
SMOKE_ROWS = 20
TYPO_MIN_LENGTH = 6
TYPO_SEEDS = (1, 2, 3)
_CONTEXT_CATEGORIES = {
    "negated_before": ("NEGATED_EXISTENCE", "FORWARD"),
    "negated_after": ("NEGATED_EXISTENCE", "BACKWARD"),
    "possible_before": ("POSSIBLE_EXISTENCE", "FORWARD"),
    "possible_after": ("POSSIBLE_EXISTENCE", "BACKWARD"),
    "hypothetical_before": ("HYPOTHETICAL", "FORWARD"),
    "other_person_before": ("FAMILY", "FORWARD"),
    "historical_before": ("HISTORICAL", "FORWARD"),
    "historical_after": ("HISTORICAL", "BACKWARD"),
    "pseudo": ("PSEUDO", "PSEUDO"),
    "terminators": ("TERMINATE", "TERMINATE"),
    "conjunctions": ("CONJ", "TERMINATE"),
}


def _rss_mb() -> float:
    """Return this process's resident memory now, in MB (from /proc; the peak where /proc is missing)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(limit: int | None) -> list[dict[str, str]]:
    """Return the corpus rows (the first `limit` of them when given)."""
    with CORPUS.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return rows[:limit] if limit else rows


def with_typos(text: str, seed: int) -> str:
    """Return the text with one typing slip in every word of 6 letters or more (a letter dropped, doubled or swapped).

    The slips are drawn from a fixed seed, so that every reader is given the same misspelt corpus.
    """
    chooser = random.Random(seed)
    words = []
    for word in text.split(" "):
        if len(word) >= TYPO_MIN_LENGTH and word.isalpha():
            place = chooser.randrange(1, len(word) - 1)
            slip = chooser.choice(("drop", "double", "swap"))
            if slip == "drop":
                word = word[:place] + word[place + 1 :]
            elif slip == "double":
                word = word[:place] + word[place] + word[place:]
            else:
                word = word[:place] + word[place + 1] + word[place] + word[place + 2 :]
        words.append(word)
    return " ".join(words)


def measure(variant: str, limit: int | None) -> dict[str, float]:
    """Load one reader, read the corpus with it, and return its figures."""
    rules = load_triage_rules(ROOT / "data" / "triage.toml")
    before = _rss_mb()
    started = time.perf_counter()
    read = _build(variant)
    startup = time.perf_counter() - started
    rows = _rows(limit)
    under = over_self_care = self_care = exact = 0
    reading_started = time.perf_counter()
    for row in rows:
        tier = triage(read(row["text"]).answers(), int(row["day"]), [], at_risk=False, rules=rules).tier
        least = Tier[row["least_tier"].upper()]
        under += tier < least
        exact += tier == least
        self_care += least is Tier.SELF_CARE
        over_self_care += least is Tier.SELF_CARE and tier > least
    per_message = (time.perf_counter() - reading_started) / len(rows)
    typo_under = 0
    for seed in TYPO_SEEDS:
        for row in rows:
            text = with_typos(row["text"], seed)
            tier = triage(read(text).answers(), int(row["day"]), [], at_risk=False, rules=rules).tier
            typo_under += tier < Tier[row["least_tier"].upper()]
    return {
        "typo_under": typo_under / len(TYPO_SEEDS),
        "rows": len(rows),
        "under": under,
        "exact": exact,
        "over_self_care_share": over_self_care / max(1, self_care),
        "startup_ms": startup * 1000,
        "rss_added_mb": _rss_mb() - before,
        "rss_total_mb": _rss_mb(),
        "ms_per_message": per_message * 1000,
    }


def _build(variant: str) -> Any:
    """Return a function from text to Reading for a variant (its imports and loading are timed by the caller)."""
    from bot.reading import load_reader

    if variant in ("rules", "rules+rapidfuzz"):
        return load_reader(READING_PATH, fuzzy=variant == "rules+rapidfuzz").read
    return _MedspacyReader(our_context=variant == "medspacy+our-context").read


class _MedspacyReader:
    """medspaCy's TargetMatcher (spaCy Matcher, FUZZY tokens) and ConText, fed our phrases."""

    def __init__(self, *, our_context: bool) -> None:
        from bot.reading import load_reader
        from bot.reading.patterns import load_patterns

        spacy = importlib.import_module("spacy")
        medspacy_context = importlib.import_module("medspacy.context")
        medspacy_ner = importlib.import_module("medspacy.ner")
        self._ours = load_reader(READING_PATH)  # numbers, trends, speed and amounts
        patterns = load_patterns(READING_PATH)
        self._nlp = spacy.blank("en")
        self._nlp.add_pipe("sentencizer")  # not PyRuSH, which logs every token (patient text) through loguru
        matcher = self._nlp.add_pipe("medspacy_target_matcher")
        matcher.add(_target_rules(medspacy_ner.TargetRule, patterns))
        context = self._nlp.add_pipe("medspacy_context", config={"rules": None if our_context else "default"})
        if our_context:
            context.add(_context_rules(medspacy_context.ConTextRule, patterns))
        self._patterns = patterns

    def read(self, text: str) -> Reading:
        """Read a message: targets and their context from medspaCy, numbers and trends from our reader."""
        from bot.reading.text import tokenise

        folded = " ".join(
            token.skeleton for token in tokenise(text[:2000], self._patterns.aliases, self._patterns.emoji)
        )
        ours = self._ours.read(text)
        findings: list[Finding] = [
            finding
            for finding in ours.findings
            if finding.value is not None and any(ch.isdigit() for ch in finding.words)
        ]
        for entity in self._nlp(folded).ents:
            kind, _, value = entity.label_.partition("|")
            found_kind = FindingKind(kind)
            trend = next((f.trend for f in ours.findings if f.kind is found_kind and f.trend), None)
            same = next((f.value for f in ours.findings if f.kind is found_kind and f.value), None)
            if found_kind in (FindingKind.SPREADING, FindingKind.PIMPLES) and same is not None:
                value = same
            findings.append(Finding(found_kind, value or None, _context(entity), entity.text, trend))
        return Reading(tuple(findings))


def _context(entity: Any) -> Context:
    """Map medspaCy's ConText attributes to our contexts, in our precedence."""
    for attribute, context in (
        ("is_negated", Context.NEGATED),
        ("is_hypothetical", Context.HYPOTHETICAL),
        ("is_family", Context.OTHER_PERSON),
        ("is_historical", Context.HISTORICAL),
        ("is_uncertain", Context.POSSIBLE),
    ):
        if getattr(entity._, attribute):
            return context
    return Context.AFFIRMED


def _token(word: str) -> dict[str, Any]:
    """Return a spaCy Matcher token pattern for one of our pattern words."""
    if word == "*":
        return {"IS_ALPHA": True}
    if word.endswith("*"):
        return {"LOWER": {"REGEX": f"^{word[:-1]}"}}
    if len(word) >= 6:
        return {"LOWER": {"FUZZY1": word}}
    return {"LOWER": word}


def _alternatives(phrases: "tuple[Phrase, ...]") -> dict[str, Any]:
    """Return one token pattern for the one-word phrases of a group."""
    parts = [word[:-1] + ".*" if word.endswith("*") else word for (word,) in (p for p in phrases if len(p) == 1)]
    return {"LOWER": {"REGEX": "^(?:" + "|".join(parts) + ")$"}}


def _target_rules(rule: Any, patterns: "Patterns") -> list[Any]:
    """Turn our finding phrases and word pairs into medspaCy TargetRules."""
    rules = []
    for pattern in patterns.findings:
        label = f"{pattern.kind.value}|{pattern.value or ''}"
        for phrase in pattern.phrases:
            rules.append(rule(" ".join(phrase), label, pattern=[_token(word) for word in phrase]))
        for near in pattern.near:
            first, second = _alternatives(near.first), _alternatives(near.second)
            gap = {"IS_PUNCT": False, "OP": f"{{0,{near.within}}}"}
            rules.append(rule("pair", label, pattern=[first, gap, second]))
            rules.append(rule("pair", label, pattern=[second, gap, first]))
    return rules


def _context_rules(rule: Any, patterns: "Patterns") -> list[Any]:
    """Turn our context triggers (English and French) into medspaCy ConTextRules."""
    rules = []
    for key, phrases in patterns.context.items():
        if key not in _CONTEXT_CATEGORIES:
            continue
        category, direction = _CONTEXT_CATEGORIES[key]
        for phrase in phrases:
            literal = " ".join(phrase)
            rules.append(rule(literal, category, pattern=[_token(word) for word in phrase], direction=direction))
    return rules


def available() -> tuple[str, ...]:
    """Return the variants this interpreter can run (medspaCy only when it is installed)."""
    return VARIANTS if importlib.util.find_spec("medspacy") else VARIANTS[:2]


async def run(scale: Scale) -> list[Figure]:
    """Measure each available reader in its own process and report its figures."""
    limit = SMOKE_ROWS if scale is Scale.SMOKE else None
    figures: list[Figure] = []
    for variant in available() if scale is Scale.FULL else VARIANTS[:2]:
        arguments = ["-m", "tests.benchmarks.reading", variant, *([str(limit)] if limit else [])]
        process = await asyncio.create_subprocess_exec(
            sys.executable, *arguments, stdout=asyncio.subprocess.PIPE, cwd=ROOT
        )
        stdout, _ = await process.communicate()
        assert process.returncode == 0, f"{variant}: the measuring process failed"
        result = json.loads(stdout.decode().strip().splitlines()[-1])
        figures += [
            Figure(
                SECTION,
                f"{variant}: under-triaged messages",
                result["under"],
                f"of {result['rows']:.0f}",
                "0",
                result["under"] == 0,
            ),
            Figure(
                SECTION,
                f"{variant}: under-triaged with a typo in every long word (mean of {len(TYPO_SEEDS)} draws)",
                result["typo_under"],
                f"of {result['rows']:.0f}",
            ),
            Figure(SECTION, f"{variant}: tier exactly the least tier", result["exact"], f"of {result['rows']:.0f}"),
            Figure(
                SECTION,
                f"{variant}: self-care messages over-triaged",
                100 * result["over_self_care_share"],
                "%",
                "< 15%",
                result["over_self_care_share"] < 0.15,
            ),
            Figure(SECTION, f"{variant}: start-up (import and load)", result["startup_ms"], "ms"),
            Figure(SECTION, f"{variant}: memory added", max(0.0, result["rss_added_mb"]), "MB"),
            Figure(SECTION, f"{variant}: memory of the whole process", result["rss_total_mb"], "MB"),
            Figure(
                SECTION,
                f"{variant}: time per message",
                result["ms_per_message"],
                "ms",
                f"< {TIME_PER_MESSAGE_TARGET_MS:.0f} ms",
                result["ms_per_message"] < TIME_PER_MESSAGE_TARGET_MS,
            ),
        ]
    return figures


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)))
