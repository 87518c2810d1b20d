"""The playground's web app on 127.0.0.1: the page, and the JSON API it drives the chats with (nothing else)."""

import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.playground.demo import seed_demo
from bot.playground.session import Playground, PlaygroundError
from bot.playground.state import state
from bot.playground.travel import jump_target

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
LONG_POLL_SECONDS = 25.0
LANGUAGES = ("en", "fr")
_STATIC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    """Return an error answer: the status and a short sentence, never a traceback."""
    return web.json_response({"error": message}, status=status)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure as JSON: the playground's own refusals, HTTP errors, and anything unexpected (logged)."""
    try:
        return await handler(request)
    except PlaygroundError as error:
        return _error(error.status, str(error))
    except web.HTTPException as error:
        return _error(error.status, error.reason)
    except Exception:
        logger.exception("the playground failed to answer %s %s", request.method, request.path)
        return _error(500, "the playground failed; see its log")


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object, or refuse it."""
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise PlaygroundError(400, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise PlaygroundError(400, "the body must be a JSON object")
    return body


def _number(body: dict[str, Any], key: str) -> int:
    """Return a whole number field of a body, or refuse it."""
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise PlaygroundError(400, f"{key} must be a whole number")
    return value


def _string(body: dict[str, Any], key: str, *, limit: int, required: bool = True) -> str:
    """Return a text field of a body (at most `limit` characters), or refuse it."""
    value = body.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise PlaygroundError(400, f"{key} must be a text of 1 to {limit} characters")
    return value


class PlaygroundWeb:
    """The routes of the API contract, each a thin call into the Playground."""

    def __init__(self, playground: Playground) -> None:
        self._playground = playground
        self._closing = False

    def close(self) -> None:
        """Answer the page's waiting long polls now, and any later ones at once: the server is shutting down."""
        self._closing = True
        self._playground.fake.changed()

    def app(self) -> web.Application:
        """Return the aiohttp application with every route."""
        app = web.Application(middlewares=[_errors], client_max_size=1024 * 1024)
        app.router.add_get("/", self.page)
        app.router.add_get("/static/{name}", self.static)
        app.router.add_get("/api/state", self.state)
        app.router.add_get("/api/files/{file_id}", self.file)
        app.router.add_post("/api/patients", self.new_patient)
        app.router.add_post("/api/send", self.send)
        app.router.add_post("/api/photo", self.photo)
        app.router.add_post("/api/press", self.press)
        app.router.add_post("/api/clock", self.clock)
        app.router.add_post("/api/reset", self.reset)
        app.router.add_post("/api/demo", self.demo)
        return app

    async def page(self, _request: web.Request) -> web.StreamResponse:
        """Serve the page."""
        return self._static_file("index.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        """Serve a file of the page's folder by its plain name."""
        return self._static_file(request.match_info["name"])

    @staticmethod
    def _static_file(name: str) -> web.StreamResponse:
        """Return a file of the static folder, or 404 for a name that is not a plain file there."""
        path = STATIC / name
        if not _STATIC_NAME.fullmatch(name) or not path.is_file():
            raise PlaygroundError(404, "no such file")
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def state(self, request: web.Request) -> web.Response:
        """Answer the state: at once, or with ?after=V as soon as the version is past V (or after 25 s)."""
        fake = self._playground.fake
        version = fake.version
        if "after" in request.query and not self._closing:
            try:
                after = int(request.query["after"])
            except ValueError:
                raise PlaygroundError(400, "after must be a whole number") from None
            version = await fake.wait_for_change(after, LONG_POLL_SECONDS)
        return web.json_response(await state(self._playground, max(version, self._playground.fake.version)))

    async def file(self, request: web.Request) -> web.Response:
        """Serve a photo (as an image) or a document (as a download with its name) by file_id."""
        found = self._playground.fake.file(request.match_info["file_id"])
        if found is None:
            raise PlaygroundError(404, "no such file")
        image = next((kind for magic, kind in _IMAGE_TYPES.items() if found.content.startswith(magic)), None)
        if image is not None:
            return web.Response(body=found.content, content_type=image)
        plain = re.sub(r"[^A-Za-z0-9._-]", "_", found.filename)
        disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(found.filename, safe='')}"
        return web.Response(
            body=found.content,
            content_type=found.content_type if "/" in found.content_type else "application/octet-stream",
            headers={"Content-Disposition": disposition},
        )

    async def new_patient(self, request: web.Request) -> web.Response:
        """Make a patient with a name and a language; their chat is empty until they send /start."""
        body = await _body(request)
        name = _string(body, "name", limit=64).strip()
        language = body.get("language", "en")
        if language not in LANGUAGES:
            raise PlaygroundError(400, f"language must be one of {', '.join(LANGUAGES)}")
        async with self._playground.lock:
            patient = self._playground.add_patient(name, language)
        return web.json_response({"user_id": patient.user_id})

    async def send(self, request: web.Request) -> web.Response:
        """Send a typed message as a user."""
        body = await _body(request)
        chat_id, user_id, text = _number(body, "chat_id"), _number(body, "user_id"), _string(body, "text", limit=4096)
        async with self._playground.lock:
            message_id = await self._playground.send(chat_id, user_id, text)
        return web.json_response({"message_id": message_id})

    async def photo(self, request: web.Request) -> web.Response:
        """Send a photo as a user, with an optional caption."""
        body = await _body(request)
        chat_id, user_id = _number(body, "chat_id"), _number(body, "user_id")
        caption = _string(body, "caption", limit=1024, required=False)
        async with self._playground.lock:
            message_id = await self._playground.send_photo(chat_id, user_id, caption)
        return web.json_response({"message_id": message_id})

    async def press(self, request: web.Request) -> web.Response:
        """Press a button as a user and answer with the bot's toast."""
        body = await _body(request)
        chat_id, user_id, message_id = _number(body, "chat_id"), _number(body, "user_id"), _number(body, "message_id")
        data = _string(body, "data", limit=64)
        async with self._playground.lock:
            query_id = await self._playground.press(chat_id, user_id, message_id, data)
        return web.json_response(await self._playground.toast(query_id))

    async def clock(self, request: web.Request) -> web.Response:
        """Move the clock forward (never back) and run what falls due on the way; answer with the clock."""
        body = await _body(request)
        jump = _string(body, "to", limit=20)
        playground = self._playground
        async with playground.lock:
            zone = playground.settings.clinic_timezone
            if jump == "recovery_day":
                treatment = await playground.treatment_date(_number(body, "user_id"))
                target = jump_target(jump, playground.clock(), zone, treatment, _number(body, "day"))
            else:
                target = jump_target(jump, playground.clock(), zone)
            await playground.travel(target)
            shown = await state(playground, playground.fake.version)
        return web.json_response(shown["clock"])

    async def reset(self, _request: web.Request) -> web.Response:
        """Start afresh: the playground's database, clock and patients deleted; answer with the new state."""
        async with self._playground.lock:
            await self._playground.reset()
            return web.json_response(await state(self._playground, self._playground.fake.version))

    async def demo(self, _request: web.Request) -> web.Response:
        """Seed the demo by driving the bot as its patients would; only while there is no patient (else 409)."""
        playground = self._playground
        async with playground.lock:
            if playground.patients:
                raise PlaygroundError(409, "the demo is seeded only while there is no patient; reset first")
            await seed_demo(playground)
            return web.json_response(await state(playground, playground.fake.version))
