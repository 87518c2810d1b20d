"""Webhook mode: `python -m bot` with BOT_MODE=webhook takes updates over HTTP, only with Telegram's secret header."""

import asyncio
import signal
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, load_settings
from bot.local_api import LocalTelegram
from tests.conftest import TEST_ENV, TEST_TOKEN
from tests.test_process import launch

SECRET = "s3cret_Webhook-value"
PUBLIC_URL = "https://bot.example.test/hooks"


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    """POST an update to the webhook, retrying while the server is still starting; return the HTTP status."""
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.post(url, json=update, headers=headers) as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"the webhook server at {url} never answered")


async def test_webhook_mode_takes_updates_only_with_the_secret(tmp_path: Path, fake_telegram: LocalTelegram) -> None:
    """The bot sets its webhook with the secret, answers a signed /start, refuses (403) the rest; SIGTERM exits 0."""
    port = _free_port()
    env = {
        **TEST_ENV,
        "TELEGRAM_API_URL": fake_telegram.url,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "LOG_LEVEL": "DEBUG",
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": PUBLIC_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(port),
    }
    running = await launch(tmp_path, env)
    try:
        call = await fake_telegram.wait_for_call("setWebhook", timeout=30)
        webhook = load_settings(env).webhook
        assert webhook is not None
        path = webhook.path
        assert call.params["secret_token"] == SECRET
        assert call.params["url"] == f"{PUBLIC_URL}/{path}"
        assert SECRET not in path
        assert TEST_TOKEN.split(":")[1] not in path
        local = f"http://127.0.0.1:{port}/{path}"

        intruder = fake_telegram.user(4102, "Mallory")
        await intruder.send("/start")
        forged = fake_telegram.pending_updates[-1]
        assert await _post(local, forged, None) == 403
        assert await _post(local, forged, "wrong-secret") == 403
        await intruder.expect_no_output(within=1.0)

        user = fake_telegram.user(4101, "Robin")
        await user.send("/start")
        assert await _post(local, fake_telegram.pending_updates[-1], SECRET) == 200
        assert TEST_ENV["CLINIC_NAME"] in (await user.next_output(timeout=10)).plain_text
        assert not fake_telegram.calls_to("getUpdates")
        await intruder.expect_no_output(within=0.1)

        assert await running.stop(signal.SIGTERM) == 0
    finally:
        await running.stop(signal.SIGKILL)
    logs = running.stderr.decode()
    assert "bot ready" in logs
    assert "database closed" in logs
    assert "Traceback" not in logs
    for secret in (SECRET, TEST_TOKEN.split(":")[1], "Robin"):
        assert secret not in logs, f"{secret!r} reached the log"


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"BOT_MODE": "push"}, "BOT_MODE"),
        ({"WEBHOOK_URL": ""}, "WEBHOOK_URL"),
        ({"WEBHOOK_URL": "http://bot.example.test"}, "WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_SECRET": "has spaces in it!"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"WEBHOOK_LISTEN": "not an address"}, "WEBHOOK_LISTEN"),
    ],
)
def test_a_bad_webhook_setting_is_named_without_the_secret(changes: dict[str, str], variable: str) -> None:
    """Each webhook setting is checked in webhook mode, and the message never shows the secret."""
    env = {**TEST_ENV, "BOT_MODE": "webhook", "WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET, **changes}
    with pytest.raises(ConfigError, match=variable) as raised:
        load_settings(env)
    assert SECRET not in str(raised.value)
    assert "has spaces" not in str(raised.value)


def test_polling_is_the_default_and_ignores_the_webhook_settings() -> None:
    """Without BOT_MODE the bot polls and has no webhook settings, even if some are set; in webhook mode it has them."""
    polling = load_settings({**TEST_ENV, "WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET, "WEBHOOK_PORT": "x"})
    assert (polling.bot_mode, polling.webhook) == ("polling", None)
    settings = load_settings(
        {**TEST_ENV, "BOT_MODE": "Webhook", "WEBHOOK_URL": PUBLIC_URL + "/", "WEBHOOK_SECRET": SECRET}
    )
    assert settings.webhook is not None
    assert (settings.bot_mode, settings.webhook.listen, settings.webhook.port) == ("webhook", "127.0.0.1", 8443)
    assert settings.webhook.url == PUBLIC_URL
    assert settings.webhook.secret.get_secret_value() == SECRET
    assert "webhook_secret" not in repr(settings)
    assert SECRET not in repr(settings)


async def test_a_missing_webhook_secret_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    """`python -m bot` in webhook mode without WEBHOOK_SECRET exits 2 with one line naming it."""
    env = {**TEST_ENV, "TELEGRAM_API_URL": "http://127.0.0.1:9", "BOT_MODE": "webhook", "WEBHOOK_URL": PUBLIC_URL}
    running = await launch(tmp_path, env)
    assert await asyncio.wait_for(running.process.wait(), timeout=30) == 2
    await running.stop()
    [line] = running.stderr.decode().strip().splitlines()
    assert "WEBHOOK_SECRET" in line
