"""``python -m solver serve``: the web application under uvicorn, on this computer by default."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from pathlib import Path

from solver.errors import InputError, Problem

__all__ = ["is_loopback", "serve"]

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """True for addresses only this computer reaches (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    db_url: str | None = None,
    token: str | None = None,
    processes: int = 2,
    open_instance: Path | None = None,
    announce: Callable[[str], None] | None = None,
) -> int:
    """Run the web application until Ctrl-C; return the exit status.

    ``announce`` is called with the line that says where the page is, once it is built.

    Raises:
        InputError: a host beyond this computer without a token, or an ``open_instance``
            that is not a valid week.
    """
    import uvicorn

    from solver.web.app import DEFAULT_DB, Settings, create_app

    if not is_loopback(host) and not token:
        raise InputError(
            [
                Problem(
                    "",
                    "--host",
                    f"listening on {host} lets other computers in: give --token (or set "
                    "IOP_ROSTER_TOKEN) so that only people with the token can use it",
                )
            ]
        )
    settings = Settings(db_url=db_url or DEFAULT_DB, token=token, processes=processes)
    app = create_app(settings)
    if open_instance is not None:
        _open(app, open_instance)
    where = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    if announce is not None:
        announce(f"serving {where} (database {settings.db_url}); Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def _open(app: object, path: Path) -> None:
    """Store the week of ``path`` unless a week of that file is already there."""
    from solver.web import store

    state = app.state.roster  # type: ignore[attr-defined]
    instance, text = store.parse_upload(path.name, path.read_bytes())
    with state.sessions() as session:
        from solver.web.db import Week

        if session.query(Week).filter(Week.source == path.name).first() is None:
            store.create_week(session, path.stem, text, source=path.name)
            session.commit()
            log.info("stored %s as a new week (%d clients)", path.name, len(instance.clients))
