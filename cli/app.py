"""`partage app`: serve the Solara web app on localhost and print its address."""

from __future__ import annotations

import os

from viz.server import command, environment


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "app", help="serve the web app (Explore, Compare, Results, Learn)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: localhost only)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument("--dev", action="store_true", help="reload on code changes (development)")
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    print(f"Partage web app: http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    line = command(args.host, args.port, args.dev)
    os.execve(
        line[0], line, environment()
    )  # the server replaces this process, so Ctrl+C and kill reach it
    return 0
