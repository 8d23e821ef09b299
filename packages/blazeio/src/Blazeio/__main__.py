"""``python -m Blazeio`` (or ``blazeio``): ``serve module:app`` and ``get URL``."""

from __future__ import annotations

import argparse

from blazeio_client.cli import add_get_arguments, get
from blazeio_server.cli import add_serve_arguments, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="blazeio", description="Blazeio: serve an app, or fetch a URL.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(commands.add_parser("serve", help="serve an App (module:attribute)"))
    add_get_arguments(commands.add_parser("get", help="download a URL with a progress bar"))
    args = parser.parse_args(argv)
    return serve(args) if args.command == "serve" else get(args)


if __name__ == "__main__":
    raise SystemExit(main())
