"""Optional dependencies: the ``files`` extra (spreadsheets, calendars, pictures) and the
``web`` extra (the web page)."""

from __future__ import annotations

import importlib
from types import ModuleType

INSTALL_HINT = "pip install 'iop-roster[files]'"


def require_extra(module: str, purpose: str, extra: str = "files") -> ModuleType:
    """Import an optional dependency of ``extra``, or raise ImportError saying how to
    install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{purpose} needs the optional package {module}: "
            + INSTALL_HINT.replace("[files]", f"[{extra}]")
        ) from None
