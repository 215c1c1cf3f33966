"""The web application: pages for program managers and staff, and the HTTP JSON API.

``create_app(Settings(...))`` builds a FastAPI application over one database. It holds no
global state: two applications in one process use their own database and job runner.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from solver.errors import InputError
from solver.web.db import make_engine, make_sessions, upgrade
from solver.web.jobs import JobRunner
from solver.web.store import NotFound

__all__ = ["DEFAULT_DB", "Settings", "create_app", "problems_json"]

log = logging.getLogger(__name__)

DEFAULT_DB = "sqlite:///iop-roster.db"
"""The database when none is given: a SQLite file in the current folder."""

HERE = Path(__file__).parent
TOKEN_COOKIE = "iop_roster_token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Settings:
    """How the application runs.

    Attributes:
        db_url: the SQLAlchemy URL of the database (SQLite file by default).
        token: when set, every request must carry it (``Authorization: Bearer``, the
            ``token`` query parameter once, then a cookie); required to bind beyond localhost.
        processes: solves that run at once, each in its own process.
        max_upload_bytes: the largest request body accepted (413 beyond).
        time_limit: the default seconds of a solve.
        workers: CP-SAT workers of each solve.
    """

    db_url: str = DEFAULT_DB
    token: str | None = None
    processes: int = 2
    max_upload_bytes: int = 20 * 1024 * 1024
    time_limit: float = 60.0
    workers: int = 1


@dataclass
class State:
    """What the request handlers share: the settings, the database and the job runner."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    runner: JobRunner


def problems_json(exc: InputError) -> list[dict[str, str]]:
    """The problems of an input error as JSON: file, entry, key and message each."""
    return [
        {"file": p.file, "entry": p.entry, "key": p.key, "message": p.message, "text": str(p)}
        for p in exc.problems
    ]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application for ``settings`` (defaults: SQLite file in the current folder)."""
    settings = settings or Settings()
    engine = make_engine(settings.db_url)
    upgrade(engine)
    state = State(
        settings=settings,
        engine=engine,
        sessions=make_sessions(engine),
        runner=JobRunner(settings.db_url, processes=settings.processes),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resumed = state.runner.recover(state.sessions)
        if resumed:
            log.info("resumed %d job(s) left by a stopped server", len(resumed))
        yield
        state.runner.shutdown(cancel_running=True)
        engine.dispose()

    app = FastAPI(
        title="IOP roster",
        summary="Weekly rosters of an IOP/PHP program: weeks, solves, rosters, changes.",
        version="2",
        lifespan=lifespan,
    )
    app.state.roster = state

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> Response:
        if not request.url.path.startswith("/api/"):
            from solver.web.pages import input_error_page

            return input_error_page(request, exc)
        return JSONResponse(status_code=422, content={"detail": problems_json(exc)})

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(status_code=404, content={"detail": str(exc)})
        from solver.web.pages import not_found_page

        return not_found_page(request, str(exc))

    from solver.web.api import router as api_router
    from solver.web.pages import router as pages_router

    app.include_router(api_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(_BodyLimit, limit=settings.max_upload_bytes)
    if settings.token:
        app.add_middleware(_TokenGate, token=settings.token)
    return app


class _BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, before reading it whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(self.limit, send)
            return
        received = 0
        refused = False

        async def limited() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(self.limit, send)
        except Exception:
            if not refused:
                raise
            await _too_large(self.limit, send)


class _TooLarge(Exception):
    pass


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse(
        status_code=413,
        content={"detail": f"the request is larger than {limit // (1024 * 1024)} MB"},
    )
    await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


class _TokenGate:
    """Lets a request through only with the token (header, cookie, or ``token`` query)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            given = given or header[7:].strip()
        given = given or request.cookies.get(TOKEN_COOKIE)
        if not given or not hmac.compare_digest(given, self.token):
            response: Response = JSONResponse(
                status_code=401, content={"detail": "a token is required: ?token=... once"}
            )
            await response(scope, receive, send)
            return
        if request.query_params.get("token"):

            async def with_cookie(message: Message) -> None:
                if message["type"] == "http.response.start":
                    cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
                await send(message)

            await self.app(scope, receive, with_cookie)
            return
        await self.app(scope, receive, send)
