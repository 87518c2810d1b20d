"""The /export files: columns, RFC 4180 escaping, UTF-8 with a BOM, formula neutralising, and reading in chunks."""

import asyncio
import csv
import io
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.checkin import QUESTION_ORDER, Answers, Question
from bot.domain.records import CheckinStatus
from bot.reports import export
from bot.storage import Database, reports
from bot.storage.reports import CheckinRow, EscalationRow

README = Path(__file__).resolve().parent.parent / "README.md"
STARTED = datetime(2026, 11, 24, 15, 0, 5, 123456, tzinfo=UTC)
TRICKY_NOTE = 'Itchy, "tight" skin\non the chin 😬 – café, 2nd line\r\nthird'


def parse(data: bytes) -> list[list[str]]:
    """Read a CSV file back the way a spreadsheet would: UTF-8 with a BOM, RFC 4180."""
    assert data.startswith(b"\xef\xbb\xbf"), "a UTF-8 byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def checkin_row(
    note: str | None = TRICKY_NOTE, photo: str | None = "AgACAgQAAxkBAAIBfileid", **changes: object
) -> CheckinRow:
    """Return a finished check-in row with a note and a photo, changed as asked."""
    answers = {Question.BREATHING: "no", Question.PAIN: "3", Question.REDNESS: "mild"}
    if note is not None:
        answers[Question.NOTE] = note
    if photo is not None:
        answers[Question.PHOTO] = photo
    values: dict[str, object] = {
        "checkin_id": 7,
        "patient_id": 5002,
        "username": "dana_k",
        "local_date": date(2026, 11, 24),
        "day": 4,
        "status": "complete",
        "tier": "same_day",
        "reasons": ("pus", "pain_high"),
        "answers": Answers(answers),
        "started_at": STARTED,
        "finished_at": STARTED + timedelta(minutes=2),
    }
    return CheckinRow(**{**values, **changes})  # type: ignore[arg-type]


def escalation_row(**changes: object) -> EscalationRow:
    """Return an acknowledged escalation row, changed as asked."""
    values: dict[str, object] = {
        "escalation_id": 3,
        "patient_id": 5002,
        "username": None,
        "local_date": date(2026, 11, 24),
        "tier": "emergency",
        "reasons": ("breathing",),
        "status": "acknowledged",
        "created_at": STARTED,
        "acknowledged_by": 500,
        "acknowledged_at": STARTED + timedelta(minutes=5),
        "resolved_by": None,
        "resolved_at": None,
    }
    return EscalationRow(**{**values, **changes})  # type: ignore[arg-type]


def test_checkin_columns_follow_the_question_order() -> None:
    """The check-in file has the fixed columns, one per question in the order asked, then the times."""
    assert export.CHECKIN_COLUMNS[:8] == (
        "checkin_id",
        "patient_id",
        "username",
        "local_date",
        "day",
        "status",
        "tier",
        "reasons",
    )
    assert export.CHECKIN_COLUMNS[8:-2] == tuple(question.value for question in QUESTION_ORDER)
    assert export.CHECKIN_COLUMNS[-2:] == ("started_at", "finished_at")
    assert len(set(export.CHECKIN_COLUMNS)) == len(export.CHECKIN_COLUMNS)


def test_a_checkin_round_trips_with_commas_quotes_newlines_and_emoji() -> None:
    """A note with every awkward character comes back exactly; the photo is "yes", never its file id."""
    data = export.checkins_csv([checkin_row()])
    header, row = parse(data)
    assert header == list(export.CHECKIN_COLUMNS)
    cells = dict(zip(header, row, strict=True))
    assert cells["note"] == TRICKY_NOTE
    assert cells["photo"] == "yes"
    assert b"fileid" not in data
    assert cells["checkin_id"] == "7"
    assert cells["patient_id"] == "5002"
    assert cells["username"] == "dana_k"
    assert cells["local_date"] == "2026-11-24"
    assert cells["day"] == "4"
    assert cells["reasons"] == "pus;pain_high"
    assert cells["pain"] == "3"
    assert cells["fever"] == ""
    assert cells["started_at"] == "2026-11-24T15:00:05+00:00"
    assert cells["finished_at"] == "2026-11-24T15:02:05+00:00"


def test_the_file_is_rfc_4180() -> None:
    """Every record ends in CRLF, and a field with a quote is quoted with its quotes doubled."""
    text = export.checkins_csv([checkin_row(note='say "hi", then go')]).decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 2
    assert '"say ""hi"", then go"' in text


@pytest.mark.parametrize(
    ("note", "cell"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("fine = good", "fine = good"),
        ("'quoted", "'quoted"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(note: str, cell: str) -> None:
    """A note starting with =, +, -, @, a tab or a carriage return is neutralised; others are left alone."""
    _header, row = parse(export.checkins_csv([checkin_row(note=note)]))
    assert row[export.CHECKIN_COLUMNS.index("note")] == cell


@pytest.mark.parametrize(("photo", "cell"), [("AgACfileid", "yes"), ("skipped", "skipped"), (None, "no")])
def test_the_photo_column_says_only_whether_one_was_sent(photo: str | None, cell: str) -> None:
    """A photo is "yes", a skipped photo "skipped", a photo question never reached "no"."""
    _header, row = parse(export.checkins_csv([checkin_row(photo=photo)]))
    assert row[export.CHECKIN_COLUMNS.index("photo")] == cell


def test_an_open_or_partial_checkin_has_empty_cells_where_nothing_is_known() -> None:
    """An unfinished check-in has no tier, no reasons, no finish time and no note: empty cells."""
    row = checkin_row(note=None, status="open", tier=None, reasons=(), finished_at=None, username=None)
    _header, cells = parse(export.checkins_csv([row]))
    named = dict(zip(export.CHECKIN_COLUMNS, cells, strict=True))
    assert named["status"] == "open"
    assert (named["tier"], named["reasons"], named["finished_at"], named["note"], named["username"]) == ("",) * 5


def test_escalations_have_their_documented_columns() -> None:
    """The escalation file has one row per escalation, in the documented columns, times in UTC."""
    moment = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Toronto"))
    data = export.escalations_csv(
        [escalation_row(), escalation_row(escalation_id=4, resolved_by=501, resolved_at=moment)]
    )
    header, first, second = parse(data)
    assert header == list(export.ESCALATION_COLUMNS)
    named = dict(zip(header, first, strict=True))
    assert named == {
        "escalation_id": "3",
        "patient_id": "5002",
        "username": "",
        "local_date": "2026-11-24",
        "tier": "emergency",
        "reasons": "breathing",
        "status": "acknowledged",
        "created_at": "2026-11-24T15:00:05+00:00",
        "acknowledged_by": "500",
        "acknowledged_at": "2026-11-24T15:05:05+00:00",
        "resolved_by": "",
        "resolved_at": "",
    }
    assert second[header.index("resolved_at")] == "2026-11-24T15:00:00+00:00", "in UTC, whatever the zone given"


def test_empty_exports_are_just_the_header() -> None:
    """With nothing in the range each file still opens, with its header row."""
    assert parse(export.checkins_csv([])) == [list(export.CHECKIN_COLUMNS)]
    assert parse(export.escalations_csv([])) == [list(export.ESCALATION_COLUMNS)]


def test_the_readme_documents_every_column_in_order() -> None:
    """The README's two column tables list exactly the columns of the files, in their order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- --- staff guide: clinic views and exports --- -->", 1)[1]
    tables = re.findall(r"((?:^\| `[a-z_]+` \|.*\n)+)", section, flags=re.MULTILINE)
    documented = [tuple(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)) for table in tables]
    assert export.CHECKIN_COLUMNS in documented
    assert export.ESCALATION_COLUMNS in documented


def test_button_ranges_end_today_and_typed_ranges_are_checked() -> None:
    """The buttons mean the last 7 or 30 days with today, or everything; a typed range must be two ordered dates."""
    today = date(2026, 11, 24)
    assert export.chosen_range("7", today) == (date(2026, 11, 18), today)
    assert export.chosen_range("30", today) == (date(2026, 10, 26), today)
    assert export.chosen_range("all", today) == (None, today)
    assert export.chosen_range("365", today) is None
    assert export.typed_range(["2026-11-01", "2026-11-24"]) == (date(2026, 11, 1), date(2026, 11, 24))
    assert export.typed_range(["2026-11-24", "2026-11-24"]) == (today, today)
    for bad in (["2026-11-24", "2026-11-01"], ["2026-11-01"], ["2026-02-30", "2026-03-01"], ["yesterday", "today"]):
        assert export.typed_range(bad) is None, bad
    assert export.typed_range(["2026-11-01", "2026-11-24", "x"]) is None
    assert export.file_name("checkins", date(2026, 11, 1), today) == "checkins_2026-11-01_to_2026-11-24.csv"
    assert export.file_name("escalations", None, today) == "escalations_all_to_2026-11-24.csv"


async def test_the_store_reads_a_large_export_in_chunks_in_order(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are read a chunk at a time, in the order started, the range's ends included, none twice or missed."""
    monkeypatch.setattr(reports, "EXPORT_CHUNK", 3)
    async with await Database.open(path) as database:
        await database.patients.add_consented(42, "en", STARTED)
        await database.patients.set_username(42, "Ann_Lee")
        ids = []
        for offset in range(10):
            local_date = date(2026, 11, 15) + timedelta(days=offset)
            checkin = await database.checkins.start(42, local_date, offset, STARTED)
            await database.checkins.answer(checkin, Question.NOTE, f"note {offset}", STARTED)
            await database.checkins.finish(checkin.id, CheckinStatus.PARTIAL, None, (), STARTED)
            await database.escalations.record(42, checkin.id, local_date, "soon", ("rash",), STARTED)
            ids.append(checkin.id)
        everything = await database.reports.checkins_for_export(None, None)
        assert [row.checkin_id for row in everything] == ids
        assert everything[3].answers.get(Question.NOTE) == "note 3"
        assert everything[0].username == "ann_lee"
        ranged = await database.reports.checkins_for_export(date(2026, 11, 17), date(2026, 11, 23))
        assert [row.local_date.day for row in ranged] == list(range(17, 24))
        escalations = await database.reports.escalations_for_export(date(2026, 11, 17), None)
        assert [row.local_date.day for row in escalations] == list(range(17, 25))
        assert escalations[0].reasons == ("rash",)


def seed_many_checkins(path: Path, count: int) -> None:
    """Write `count` finished check-ins, each with every answer, straight into SQLite in one transaction."""
    questions = [question.value for question in QUESTION_ORDER]
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO patient (user_id, language, consented_at, treatment_date, updated_at)"
            " VALUES (42, 'en', ?, ?, ?)",
            (STARTED.isoformat(), "2026-01-01", STARTED.isoformat()),
        )
        stamp = STARTED.isoformat()
        connection.executemany(
            "INSERT INTO checkin (id, user_id, local_date, day, status, tier, started_at, updated_at, finished_at)"
            " VALUES (?, 42, ?, 1, 'complete', 'self_care', ?, ?, ?)",
            ((index, f"2026-{1 + index % 12:02d}-15", stamp, stamp, stamp) for index in range(1, count + 1)),
        )
        connection.executemany(
            "INSERT INTO checkin_answer (checkin_id, question, value, answered_at) VALUES (?, ?, ?, ?)",
            (
                (index, question, f'{question} {index}, "ok"', stamp)
                for index in range(1, count + 1)
                for question in questions
            ),
        )


async def test_a_large_export_does_not_hold_up_the_bot(path: Path) -> None:
    """Exporting 20,000 check-ins leaves the event loop free: a heartbeat beats while rows are read and written."""
    count = 20_000
    async with await Database.open(path):
        pass  # creates the schema
    seed_many_checkins(path, count)
    beats = 0
    done = asyncio.Event()

    async def heartbeat() -> None:
        """Beat every 5 ms until the export is done."""
        nonlocal beats
        while not done.is_set():
            await asyncio.sleep(0.005)
            beats += 1

    async with await Database.open(path) as database:
        beating = asyncio.create_task(heartbeat())
        await asyncio.sleep(0)
        rows = await database.reports.checkins_for_export(None, None)
        while_reading = beats
        data = await asyncio.to_thread(export.checkins_csv, rows)
        while_writing = beats - while_reading
        done.set()
        await beating
    assert len(rows) == count
    assert len(parse(data)) == count + 1
    assert while_reading > 0, "the loop ran other work while the rows were read"
    assert while_writing > 0, "the loop ran other work while the CSV was written"
