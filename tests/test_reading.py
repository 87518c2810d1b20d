"""Reading typed messages: every finding in both languages, every context rule, every number format, and triage."""

import logging
import shutil
from pathlib import Path

import pytest

from bot.content.triage_rules import load_triage_rules
from bot.domain.checkin import Answers, Question
from bot.domain.findings import Context, FindingKind, Reading
from bot.domain.triage import Tier, triage
from bot.reading import DEFAULT_READING_PATH, ReadingDataError, TextReader, load_reader
from bot.reading.known_words import misread
from bot.reading.text import fold

RULES = load_triage_rules(Path(__file__).resolve().parent.parent / "data" / "triage.toml")
READER = load_reader(DEFAULT_READING_PATH)
K = FindingKind
C = Context
Q = Question


def read(text: str) -> Reading:
    """Read a message with the shipped patterns."""
    return READER.read(text)


def kinds(text: str, context: Context = C.AFFIRMED) -> set[FindingKind]:
    """Return the kinds of finding read from a message in one context."""
    return {finding.kind for finding in read(text).findings if finding.context is context}


# Every kind, in English and in French, in the everyday words the issue lists.
EVERY_KIND = [
    ("en", "my lips are so puffy", K.BREATHING),
    ("en", "my tongue feels thick", K.BREATHING),
    ("en", "im wheezing", K.BREATHING),
    ("fr", "mes lèvres sont enflées", K.BREATHING),
    ("fr", "j'ai de la misère à respirer", K.BREATHING),
    ("en", "eyelid is swollen", K.EYES),
    ("en", "blurred vision", K.EYES),
    ("en", "it hurts when i move my eye", K.EYES),
    ("fr", "ma paupière est gonflée", K.EYES),
    ("fr", "je vois flou", K.EYES),
    ("en", "i feel faint", K.UNWELL),
    ("en", "heart is racing", K.UNWELL),
    ("en", "cold and clammy", K.UNWELL),
    ("fr", "je suis étourdie", K.UNWELL),
    ("fr", "mon coeur bat vite", K.UNWELL),
    ("en", "red lines down my neck", K.STREAKS),
    ("fr", "des traînées rouges", K.STREAKS),
    ("en", "the redness is spreading", K.SPREADING),
    ("fr", "la rougeur s'étend", K.SPREADING),
    ("en", "i have a fever", K.FEVER),
    ("en", "hot and shivery", K.FEVER),
    ("fr", "j'ai de la fièvre", K.FEVER),
    ("fr", "je fais de la température", K.FEVER),
    ("en", "there is pus", K.PUS),
    ("en", "yellow stuff oozing", K.PUS),
    ("fr", "il y a du pus", K.PUS),
    ("fr", "un liquide jaune qui coule", K.PUS),
    ("en", "it looks infected", K.INFECTION),
    ("fr", "c'est infecté", K.INFECTION),
    ("en", "my skin is hot to the touch", K.WARMTH),
    ("fr", "la peau est chaude au toucher", K.WARMTH),
    ("en", "tingling on my lip", K.BLISTERS),
    ("en", "a cold sore", K.BLISTERS),
    ("fr", "un feu sauvage", K.BLISTERS),
    ("fr", "un bouton de fièvre", K.BLISTERS),
    ("en", "it hurts", K.PAIN),
    ("fr", "j'ai mal", K.PAIN),
    ("en", "an itchy rash", K.RASH),
    ("fr", "de l'urticaire", K.RASH),
    ("en", "dark patches", K.DARK_PATCHES),
    ("fr", "des taches brunes", K.DARK_PATCHES),
    ("en", "some pimples", K.PIMPLES),
    ("fr", "des boutons", K.PIMPLES),
    ("en", "still red", K.REDNESS),
    ("fr", "c'est rouge", K.REDNESS),
    ("en", "a bit swollen", K.SWELLING),
    ("fr", "un peu enflé", K.SWELLING),
    ("en", "itchy", K.ITCH),
    ("fr", "ça démange", K.ITCH),
    ("en", "flaking", K.FLAKING),
    ("fr", "ma peau pèle", K.FLAKING),
    ("en", "feels tight", K.TIGHTNESS),
    ("fr", "ça tiraille", K.TIGHTNESS),
    ("en", "stings like a sunburn", K.STINGING),
    ("fr", "ça brûle un peu", K.STINGING),
    ("en", "some bruising", K.BLEEDING),
    ("fr", "un peu de sang", K.BLEEDING),
    ("en", "a bit of crusting", K.CRUSTING),
    ("fr", "des croûtes", K.CRUSTING),
    ("en", "clear fluid", K.OOZING),
    ("fr", "ça suinte", K.OOZING),
    ("en", "milia", K.MILIA),
    ("fr", "grains de milium", K.MILIA),
]


def test_the_table_covers_every_kind_in_both_languages() -> None:
    """No kind of finding is left out of the table in either language."""
    for language in ("en", "fr"):
        assert {kind for lang, _, kind in EVERY_KIND if lang == language} == set(FindingKind)


@pytest.mark.parametrize(("language", "text", "kind"), EVERY_KIND)
def test_every_kind_in_both_languages(language: str, text: str, kind: FindingKind) -> None:
    """Each kind of finding is read in English and in French."""
    del language
    assert kind in kinds(text)


@pytest.mark.parametrize(
    ("text", "kind", "context"),
    [
        ("no pus", K.PUS, C.NEGATED),
        ("pus? no", K.PUS, C.NEGATED),
        ("not spreading", K.SPREADING, C.NEGATED),
        ("lips are not swollen", K.BREATHING, C.NEGATED),
        ("i dont have a fever", K.FEVER, C.NEGATED),
        ("no blurry vision", K.EYES, C.NEGATED),
        ("the swelling is gone", K.SWELLING, C.NEGATED),
        ("pas de pus", K.PUS, C.NEGATED),
        ("je n'ai pas de fièvre", K.FEVER, C.NEGATED),
        ("aucune fievre", K.FEVER, C.NEGATED),
        ("du pus? non", K.PUS, C.NEGATED),
        ("ça s'étend pas", K.SPREADING, C.NEGATED),
        ("could this be pus?", K.PUS, C.POSSIBLE),
        ("is this an infection?", K.INFECTION, C.POSSIBLE),
        ("i think i have a cold sore", K.BLISTERS, C.POSSIBLE),
        ("fever 38 is ok?", K.FEVER, C.POSSIBLE),  # a question, not a denial
        ("est-ce que c'est du pus?", K.PUS, C.POSSIBLE),
        ("je pense que c'est infecté", K.INFECTION, C.POSSIBLE),
        ("if i get a fever should i call?", K.FEVER, C.HYPOTHETICAL),
        ("what if it spreads", K.SPREADING, C.HYPOTHETICAL),
        ("si je fais de la fièvre, je vous appelle?", K.FEVER, C.HYPOTHETICAL),
        ("que faire si ça coule jaune", K.PUS, C.HYPOTHETICAL),
        ("my sister has a fever", K.FEVER, C.OTHER_PERSON),
        ("ma soeur a un feu sauvage", K.BLISTERS, C.OTHER_PERSON),
        ("mon chum fait de la fièvre", K.FEVER, C.OTHER_PERSON),
        ("cold sores years ago", K.BLISTERS, C.HISTORICAL),
        ("i used to get cold sores", K.BLISTERS, C.HISTORICAL),
        ("j'avais des feux sauvages quand j'étais jeune", K.BLISTERS, C.HISTORICAL),
        ("my sister says it looks infected", K.INFECTION, C.AFFIRMED),  # reported speech: the patient's skin
        ("ma fille dit que j'ai du pus", K.PUS, C.AFFIRMED),
        ("no idea what this is but there is pus", K.PUS, C.AFFIRMED),  # "no idea" is no negation
        ("not sure, i feel faint", K.UNWELL, C.POSSIBLE),
        ("redness is not settling", K.REDNESS, C.AFFIRMED),  # a trend, not a negation
        ("pas mal enflé", K.SWELLING, C.AFFIRMED),  # "pas mal" is "quite" in Quebec
    ],
)
def test_context(text: str, kind: FindingKind, context: Context) -> None:
    """Negation before or after, a question or doubt, a condition, another person and the past, in both languages."""
    assert kind in kinds(text, context)


@pytest.mark.parametrize(
    ("text", "present", "denied"),
    [
        ("no pus but fever 39", {K.FEVER}, {K.PUS}),  # a terminator ends the negation
        ("no pus fever 39", {K.FEVER}, {K.PUS}),  # no punctuation: a negation reaches one finding...
        ("no pus or fever", set(), {K.PUS, K.FEVER}),  # ...or a list
        ("pas de pus ni de fièvre", set(), {K.PUS, K.FEVER}),
        ("fever 38.9 no pus", {K.FEVER}, {K.PUS}),  # "no" negates forward, not back
        ("breathing is fine, just itchy", {K.ITCH}, set()),
        ("no swelling in my lips, just a bit tight", set(), {K.BREATHING}),
        ("pas de fièvre mais du pus", {K.PUS}, {K.FEVER}),
    ],
)
def test_a_negation_reaches_only_what_it_denies(text: str, present: set[FindingKind], denied: set[FindingKind]) -> None:
    """The scope of a negation: to a terminator, one finding, or through a list."""
    assert present <= kinds(text)
    assert denied <= kinds(text, C.NEGATED)
    assert not denied & kinds(text)


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("temp 38.4", "38.4"),
        ("fever 38,7", "38.7"),
        ("101.3F", "38.5"),
        ("101.3 f", "38.5"),
        ("100.8 degrees", "38.2"),
        ("temp 39", "39.0"),
        ("temp 102", "38.9"),
        ("39°C", "39.0"),
        ("39 °", "39.0"),
        ("38.6 celsius", "38.6"),
        ("thermometer says 38.1", "38.1"),
        ("38,4 de fièvre", "38.4"),
        ("température 101,5 F", "38.6"),
        ("fievre 39", "39.0"),
        ("le thermomètre indique 38,1", "38.1"),
        ("no fever, temp 36.8", "36.8"),
    ],
)
def test_temperatures(text: str, celsius: str) -> None:
    """A temperature is read with a unit or next to a fever word, in °C or °F, with a point or a comma."""
    assert read(text).answers().get(Q.TEMPERATURE) == celsius


@pytest.mark.parametrize(
    "text",
    [
        "38.5 this morning",  # a bare number with no unit and no fever word
        "im 38 and this is my first time",
        "its day 38 of my challenge",
        "j'ai 38 ans",
        "fever 250",  # not a body temperature
        "spf 50",
    ],
)
def test_numbers_that_are_not_temperatures(text: str) -> None:
    """A number is a temperature only when plausible and next to a unit or a fever or temperature word."""
    assert read(text).answers().get(Q.TEMPERATURE) is None


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("pain 8/10", "8"),
        ("7 / 10", "7"),
        ("about 9 out of ten", "9"),
        ("pain 8", "8"),
        ("the pain is about an 8", "8"),
        ("pain level 7", "7"),
        ("it hurts like a 7 out of 10", "7"),
        ("pain's like 9", "9"),
        ("pain 3/10", "3"),
        ("pain went from 3 to 8", "8"),
        ("7.5/10", "8"),  # rounded up
        ("douleur 8 sur 10", "8"),
        ("neuf sur dix", "9"),
        ("douleur à 8", "8"),
        ("j'ai mal genre 9/10", "9"),
        ("the pain is unbearable", "9"),
        ("really hurts", "7"),
        ("douleur insupportable", "9"),
    ],
)
def test_pain_scores(text: str, score: str) -> None:
    """A pain score with a slash, "out of" or "sur", after a pain word, or in strong words."""
    assert read(text).answers().get(Q.PAIN) == score


@pytest.mark.parametrize("text", ["pain for 8 days", "pain since day 9", "8 pimples", "it hurts a bit"])
def test_numbers_that_are_not_pain_scores(text: str) -> None:
    """Days, counts and a pain word without a score make no pain score."""
    assert read(text).answers().get(Q.PAIN) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my lips r sooo swolen", K.BREATHING),  # r for are, stretched and missing letters
        ("feaver", K.FEVER),
        ("infecton", K.INFECTION),
        ("temprature 38.5", K.FEVER),  # one typo, corrected
        ("fievre", K.FEVER),  # no accent
        ("enfle", K.SWELLING),
        ("levres enflees", K.BREATHING),
        ("LIPS SWOLLEN!!!", K.BREATHING),
        ("cant breath", K.BREATHING),  # no apostrophe
        ("can’t breathe", K.BREATHING),  # a phone's apostrophe
        ("🤒", K.FEVER),
        ("l’œil enflé", K.EYES),
    ],
)
def test_phone_typing(text: str, kind: FindingKind) -> None:
    """Misspellings, missing accents and apostrophes, capitals, stretched letters, short forms and emoji."""
    assert kind in kinds(text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Can't BREATHE", "cant breathe"),  # plain ASCII: case and apostrophe
        ("can’t", "cant"),  # a phone's apostrophe
        ("J'ai CHAUD", "j ai chaud"),  # French elision splits the word
        ("qu'il", "qu il"),
        ("Fièvre à 39", "fievre a 39"),  # accents
        ("L’ŒIL", "l oeil"),  # ligature and a phone's apostrophe
        ("ﬁèvre", "fievre"),  # a compatibility character
    ],
)
def test_fold_treats_plain_and_accented_text_alike(text: str, folded: str) -> None:
    """Case, apostrophes, elision, accents and ligatures fold the same way whether or not the text is plain ASCII."""
    assert fold(text) == folded


@pytest.mark.parametrize(
    "text",
    [
        "never been better",
        "fewer pimples",  # "fewer" is not "fever"
        "can i go swimming on saturday",
        "can i take a hot shower",
        "i'm confused about the sunscreen",
        "spread the cream on thin",
        "bouton de fièvre",  # a cold sore: no fever
        "fever blister",
    ],
)
def test_words_that_look_like_a_sign(text: str) -> None:
    """Near misses make no fever, pus, warmth, spreading or feeling unwell."""
    assert not {K.FEVER, K.PUS, K.WARMTH, K.SPREADING, K.UNWELL} & kinds(text)


@pytest.mark.parametrize(
    ("text", "value", "trend"),
    [
        ("redness spreading fast", "fast", None),
        ("spreading quickly", "fast", None),
        ("red area getting bigger by the hour", "fast", None),
        ("ça s'étend à vue d'oeil", "fast", None),
        ("it is spreading", "slow", None),
    ],
)
def test_spreading_speed(text: str, value: str, trend: None) -> None:
    """Spreading fast, quickly or by the hour is fast; otherwise slow."""
    del trend
    assert read(text).answers().get(Q.SPREADING) == value


@pytest.mark.parametrize(
    ("text", "question", "value"),
    [
        ("redness hasnt gone down", Q.REDNESS_TREND, "same"),
        ("still red", Q.REDNESS_TREND, "same"),
        ("redness is getting worse", Q.REDNESS_TREND, "worse"),
        ("redness is fading", Q.REDNESS_TREND, "better"),
        ("swelling isnt going down", Q.SWELLING_TREND, "same"),
        ("la rougeur part pas", Q.REDNESS_TREND, "same"),
        ("plus enflé qu'hier", Q.SWELLING_TREND, "worse"),
        ("more pimples every day", Q.PIMPLES_INCREASING, "yes"),
        ("de plus en plus de boutons", Q.PIMPLES_INCREASING, "yes"),
        ("lots of pimples", Q.PIMPLES, "many"),
        ("plein de boutons", Q.PIMPLES, "many"),
    ],
)
def test_trends_and_amounts(text: str, question: Question, value: str) -> None:
    """Trends of redness, swelling and pimples, and how many pimples."""
    assert read(text).answers().get(question) == value


@pytest.mark.parametrize(
    ("text", "day", "tier"),
    [
        ("fever 38.6 and pus", 3, Tier.EMERGENCY),
        ("no pus but fever 39 and my skin is warm", 3, Tier.EMERGENCY),
        ("temp 101.3F and the redness is spreading", 2, Tier.EMERGENCY),
        ("fièvre 38,5 et du pus", 4, Tier.EMERGENCY),
        ("hot and shivery and its oozing yellow", 2, Tier.EMERGENCY),
        ("fever 37.6 and pus", 3, Tier.SAME_DAY),  # below the threshold: the pus alone
        ("fever 39", 1, Tier.SAME_DAY),
        ("pus", 1, Tier.SAME_DAY),
        ("pain 7/10", 1, Tier.SAME_DAY),
        ("pain 6/10", 1, Tier.SELF_CARE),
        ("skin is hot", 1, Tier.SELF_CARE),  # expected in the first 48 h
        ("skin is hot", 3, Tier.SAME_DAY),
        ("still red", 3, Tier.SOON),
        ("still red", 2, Tier.SELF_CARE),
        ("a few pimples", 8, Tier.SOON),
        ("more pimples", 4, Tier.SOON),
        ("itchy rash", 1, Tier.SOON),
        ("my sister has a fever and chills", 3, Tier.SELF_CARE),
        ("my sister has a fever and my skin is hot", 3, Tier.SAME_DAY),
        ("if i get a fever and pus should i call", 3, Tier.SELF_CARE),
        ("is this pus?", 3, Tier.SAME_DAY),
        ("thanks!", 3, Tier.SELF_CARE),
    ],
)
def test_combinations_through_triage(text: str, day: int, tier: Tier) -> None:
    """The findings go through the check-in's own triage: combinations and thresholds come from triage.toml."""
    assert triage(read(text).answers(), day, [], at_risk=False, rules=RULES).tier is tier


def test_a_reading_is_made_of_the_checkins_answers() -> None:
    """The answers hold only the check-in's questions and values."""
    answers = read("fever 38.6, pus, pain 8/10, lips swollen, still red, more pimples").answers()
    assert answers == Answers(
        {
            Q.FEVER: "yes",
            Q.TEMPERATURE: "38.6",
            Q.PUS: "yes",
            Q.PAIN: "8",
            Q.BREATHING: "yes",
            Q.REDNESS: "mild",
            Q.REDNESS_TREND: "same",
            Q.PIMPLES: "few",
            Q.PIMPLES_INCREASING: "yes",
        }
    )


def test_reading_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """Reading a message logs nothing at all, at any level: patient text never reaches the logs."""
    caplog.set_level(logging.DEBUG)
    fresh = load_reader(DEFAULT_READING_PATH)
    caplog.clear()
    fresh.read("fever 38.6 and pus, my sistr says my lips r sooo swolen, feaver")
    assert caplog.records == []


def test_a_long_message_is_read_up_to_a_limit() -> None:
    """A message far longer than any patient writes is still read, up to the limit, without error."""
    reading = READER.read("pus and fever " * 1000)
    assert {K.PUS, K.FEVER} <= {finding.kind for finding in reading.findings}


def test_reading_without_corrections_misses_typos() -> None:
    """The fuzzy matching is what reads a typo; without it the plain rules miss it (the comparison baseline)."""
    plain = load_reader(DEFAULT_READING_PATH, fuzzy=False)
    assert isinstance(plain, TextReader)
    assert K.FEVER not in {
        finding.kind for finding in plain.read("temprature 38.5 and chills").findings if finding.value
    }
    assert K.FEVER in {finding.kind for finding in READER.read("temprature 38.5").findings if finding.value}


def _broken(tmp_path: Path, old: str, new: str, file: str = "en.toml") -> Path:
    """Copy the shipped pattern files and change one piece of text in one of them."""
    folder = tmp_path / "reading"
    shutil.copytree(DEFAULT_READING_PATH, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("en.toml", 'kind = "pus"', 'kind = "puss"', "en.toml: finding[6].kind: must be one of"),
        ("en.toml", '"pus", "discharge"', '"pu*", "discharge"', 'finding[6] (pus).phrases[0]: "pu*": a prefix needs'),
        ("fr.toml", '"pus", "ecoulement*"', '"pus", 3', "fr.toml: finding[6] (pus).phrases[1]: must be text"),
        ("en.toml", "within = 4 },", "within = 40 },", "finding[0] (breathing).near[0].within: must be a whole"),
        ("en.toml", "[modifiers]", "[modifier]", "modifiers: missing"),
        ("fr.toml", "joiners = [", "joiner = [", "fr.toml: context.joiner: unknown key"),
        ("en.toml", 'value = "9"', 'value = "11"', "(pain).value: must be one of: 0, 1, 2"),
        ("en.toml", "ten = 10", "ten = 11", "numbers.number_words.ten: must be a whole number from 0 to 10"),
        ("fr.toml", 'kind = "milia"', 'kind = "itch"', "fr.toml: finding: no patterns for: milia"),
        ("en.toml", "[context]", "[context", "en.toml: is not valid TOML"),
        ("en.toml", "fast = [", "fast = 3\nslow = [", "modifiers.fast: must be a non-empty list of phrases"),
    ],
)
def test_a_bad_pattern_file_is_refused(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    """A broken pattern file stops the reader from loading, with an error naming the file and the key."""
    with pytest.raises(ReadingDataError, match=r".*") as raised:
        load_reader(_broken(tmp_path, old, new, file))
    assert message in str(raised.value)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    """A folder without pattern files is an error, not a reader that reads nothing."""
    with pytest.raises(ReadingDataError, match="no reading pattern files"):
        load_reader(tmp_path)


@pytest.mark.parametrize("text", ["fervor", "unbeatable", "ils attendent", "entendre", "douceur", "dimple"])
def test_real_words_are_not_corrected_as_typos(text: str) -> None:
    """A real word one edit from a pattern word (data/reading/known_words.txt) is not read as that word."""
    assert not {K.FEVER, K.PAIN, K.SPREADING, K.PIMPLES} & kinds(text)


def test_the_known_words_are_found_from_word_lists(tmp_path: Path) -> None:
    """The known-words list is made of the listed words that a correction alone would read as a finding."""
    words = tmp_path / "words"
    words.write_text("fervor\napple\nfeverish\nNames\n", encoding="utf-8")
    assert misread([words], DEFAULT_READING_PATH) == ["fervor"]


def test_a_bad_known_words_file_is_refused(tmp_path: Path) -> None:
    """A known-words line that is not one word stops the reader from loading, naming the file and line."""
    folder = _broken(tmp_path, "language", "language")
    (folder / "known_words.txt").write_text("# comment\nfervor\ntwo words\n", encoding="utf-8")
    with pytest.raises(ReadingDataError, match=r"known_words.txt: line 3: 'two words' is not one word"):
        load_reader(folder)


@pytest.mark.parametrize(
    "text",
    ["", "🤒🤒", "9" * 5000, "99999999999999999999.5 F", "38.4.5.6", "pain 10/10/10", "/10", "° c f", "7/10 " * 900],
)
def test_odd_input_is_read_without_error(text: str) -> None:
    """Empty text, emoji only, endless digits and repeated marks are read without error."""
    assert isinstance(READER.read(text), Reading)
