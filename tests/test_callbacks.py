"""Callback data: one module, every prefix declared once and starting no other, every value within 64 bytes."""

from datetime import date, time

import pytest

from bot.telegram import callbacks
from bot.telegram.callbacks import MAX_DATA, PREFIXES, check_codecs


def test_no_prefix_starts_another_and_each_is_declared_once() -> None:
    """A press reaches only the handler of its own prefix: no prefix is the start of another, none is repeated."""
    prefixes = list(PREFIXES.values())
    assert len(set(prefixes)) == len(prefixes)
    for prefix in prefixes:
        assert [other for other in prefixes if other.startswith(prefix)] == [prefix]
    check_codecs()


def test_the_start_up_check_refuses_colliding_prefixes_and_long_data() -> None:
    """check_codecs names a prefix that starts another, and data past Telegram's 64 bytes."""
    with pytest.raises(ValueError, match="'s:' starts 's:x:'"):
        check_codecs({"staff": "s:", "other": "s:x:"}, ())
    with pytest.raises(ValueError, match="over 64 bytes"):
        check_codecs(PREFIXES, (callbacks.menu("s" * 63),))


def test_the_widest_value_of_every_codec_fits_and_reads_back() -> None:
    """Each encoder's widest data fits in 64 bytes and its parser gives back what was encoded."""
    widest_id, widest_user = 10**12 - 1, 10**20 - 1
    cases = [
        (callbacks.menu("s" * 40), callbacks.parse_menu, ("s" * 40, True)),
        (callbacks.open_screen("s" * 40), callbacks.parse_menu, ("s" * 40, False)),
        (callbacks.consent_choice(True, "abc"), callbacks.parse_consent, (True, "abc")),
        (callbacks.consent_choice(False, "fr"), callbacks.parse_consent, (False, "fr")),
        (callbacks.language_choice("abc"), callbacks.parse_language_choice, "abc"),
        (callbacks.days_back(99), callbacks.parse_days_back, 99),
        (callbacks.exact_date(date(2026, 12, 31)), callbacks.parse_exact_date, date(2026, 12, 31)),
        (callbacks.picker_page(999), callbacks.parse_picker_page, 999),
        (callbacks.checkin_answer("q" * 30, "v" * 20), callbacks.parse_checkin_answer, ("q" * 30, "v" * 20)),
        (callbacks.staff_action("res", widest_id), callbacks.parse_staff_action, ("res", widest_id)),
        (callbacks.remove_staff(widest_user), callbacks.parse_remove_staff, widest_user),
        (callbacks.reminder_time(time(23, 59)), callbacks.parse_reminder_time, time(23, 59)),
        (callbacks.risk("onboarding", "v" * 8), callbacks.parse_risk, ("onboarding", "v" * 8)),
        (callbacks.export_button_data("all"), callbacks.parse_export_button, "all"),
        (callbacks.broadcast_button(widest_id, "a" * 40), callbacks.parse_broadcast_button, (widest_id, "a" * 40)),
    ]
    for data, parse, expected in cases:
        assert len(data.encode()) <= MAX_DATA, data
        assert parse(data) == expected, data


def test_each_parser_refuses_the_data_of_every_other_codec() -> None:
    """Data with another prefix, or one character too many, is not read as a button of this kind."""
    assert callbacks.parse_export_button("xp:7") == "7"
    assert callbacks.parse_export_button("xp:77") is None
    assert callbacks.parse_broadcast_button(callbacks.export_button_data("all")) is None
    assert callbacks.parse_staff_action(callbacks.remove_staff(5)) is None
    assert callbacks.parse_remove_staff(callbacks.staff_action("ack", 5)) is None
    assert callbacks.parse_menu(callbacks.CHECKIN_START) is None
    assert callbacks.CHECKIN_PATTERN.match(callbacks.CHECKIN_START)
    assert not callbacks.CHECKIN_PATTERN.match(callbacks.action("checkinx"))
    assert callbacks.DATE_PATTERN.match(callbacks.DATE_CHOICES)
    assert callbacks.parse_picker_page(callbacks.DATE_CHOICES) is None


def test_consent_buttons_from_before_languages_still_read_and_forged_ones_do_not() -> None:
    """An old "c:yes" (no language) still means Accept; a mangled language or answer is no consent at all."""
    assert callbacks.parse_consent("c:yes") == (True, None)
    assert callbacks.parse_consent("c:no") == (False, None)
    for forged in ("c:yes:", "c:yes:FR", "c:yes:fr:en", "c:maybe:fr", "c:yes:français", "l:fr"):
        assert callbacks.parse_consent(forged) is None, forged
    for forged in ("l:", "l:FR", "l:fr-CA", "l:fr:en", callbacks.consent_choice(True, "fr")):
        assert callbacks.parse_language_choice(forged) is None, forged
