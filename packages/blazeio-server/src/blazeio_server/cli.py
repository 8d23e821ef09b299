"""``python -m Blazeio serve module:app``: run an app from the command line."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import Any

__all__ = ["add_serve_arguments", "serve"]


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", help="the App to serve, as module:attribute (e.g. main:web)")
    parser.add_argument("--host", default=None, help="address to bind (default: the App's own)")
    parser.add_argument("--port", type=int, default=None, help="port to bind (default: the App's own; 0 picks one)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes sharing the port (default 1)")
    parser.add_argument("--ssl-certfile", help="PEM certificate chain: serve HTTPS")
    parser.add_argument("--ssl-keyfile", help="PEM private key for --ssl-certfile")
    parser.add_argument(
        "--reload",
        action="store_true",
        help="restart when a .py file under the current directory changes (development)",
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log one line per request on the 'blazeio.access' logger"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"], help="stdlib logging level",
    )  # fmt: skip


def load_app(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"expected module:attribute, got {spec!r}")
    sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise SystemExit(f"module {module_name!r} has no attribute {attribute!r}") from None


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    web = load_app(args.app)
    if args.access_log:
        web.settings.access_log = True
    ssl = {"certfile": args.ssl_certfile, "keyfile": args.ssl_keyfile} if args.ssl_certfile else None
    web.runner(args.host, args.port, workers=args.workers, ssl=ssl, reload=args.reload)
    return 0
