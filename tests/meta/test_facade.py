"""``import Blazeio as io``: the flat namespace the product document's examples use."""

from __future__ import annotations

import asyncio
import os

import Blazeio as io
import blazeio_common

SEED_NAMES = [
    # utilities and errors (blazeio-common)
    "ddict", "plog", "SharpEvent", "Ehandler", "perf_timing", "set_from_args", "Utype", "Unone",
    "dumps", "loads", "anydumps", "ioConf", "create_task", "Err",
    # stdlib names the examples reach through io.
    "gather", "CancelledError", "environ", "path", "getcwd", "perf_counter", "token_urlsafe",
    "urlsafe_b64encode",
]  # fmt: skip


def test_every_seed_name_of_the_common_layer_is_on_the_facade() -> None:
    missing = [name for name in SEED_NAMES if not hasattr(io, name)]
    assert missing == []


def test_facade_names_are_the_very_objects_of_their_packages() -> None:
    import blazeio_server
    from Blazeio.testing import TestClient

    assert io.Router is blazeio_server.Router
    assert io.RouteError is blazeio_server.RouteError
    assert io.StartupError is blazeio_server.StartupError
    assert io.TestClient is TestClient
    assert io.ddict is blazeio_common.ddict
    assert io.ioConf is blazeio_common.ioConf
    assert io.gather is asyncio.gather
    assert io.path is os.path
    assert io.__version__ == "5.0.0"


def test_the_common_export_list_is_exactly_what_is_promised() -> None:
    assert sorted(blazeio_common.__all__) == sorted(
        ["__version__", "__compiled__", "ddict", "plog", "Plog", "SharpEvent", "Ehandler", "perf_timing",
         "set_from_args",
         "Utype", "Unone", "dumps", "loads", "anydumps", "JSONDecodeError", "ioConf", "create_task", "Headers",
         "url_encode", "url_decode", "parse_query", "Request", "WebSocket",
         "BlazeioException", "Err", "ProtocolError", "IncompleteBody", "DecompressionError", "LocalProtocolError",
         "ClientDisconnected", "ServerDisconnected", "Protocoltimeout", "ServerGotInTrouble", "ClientGotInTrouble",
         "CloseConnection", "Eof", "Missingdependency", "ModuleError", "WebSocketClosed",
         "WebSocketHandshakeError"]
    )  # fmt: skip
    for name in blazeio_common.__all__:
        assert hasattr(blazeio_common, name), name


def test_the_facade_tells_which_build_of_the_parser_runs() -> None:
    from blazeio_common.http import native

    assert io.__compiled__ is blazeio_common.__compiled__ is native.COMPILED
    assert native.COMPILED is (native.parse_request_head is not None)


def test_the_request_body_types_are_on_the_facade() -> None:
    import blazeio_server

    for name in ("MultipartReader", "MultipartPart", "UploadFile"):
        assert name in blazeio_server.__all__
        assert getattr(io, name) is getattr(blazeio_server, name)


def test_setting_chunk_sizes_on_the_facade_really_changes_them() -> None:
    before = io.ioConf.INBOUND_CHUNK_SIZE, io.ioConf.OUTBOUND_CHUNK_SIZE
    try:
        io.INBOUND_CHUNK_SIZE, io.OUTBOUND_CHUNK_SIZE = 1024 * 100, 4096
        assert io.ioConf.INBOUND_CHUNK_SIZE == 1024 * 100
        assert io.ioConf.OUTBOUND_CHUNK_SIZE == 4096
        assert io.OUTBOUND_CHUNK_SIZE == 4096
        assert "INBOUND_CHUNK_SIZE" not in vars(io)  # one source of truth
    finally:
        io.ioConf.INBOUND_CHUNK_SIZE, io.ioConf.OUTBOUND_CHUNK_SIZE = before


def test_other_extras_are_the_same_module_objects_under_both_names() -> None:
    import importlib
    import sys

    import blazeio_other.class_parser
    import blazeio_other.crypto

    other = importlib.import_module("Blazeio.Other")
    from Blazeio.Other import (
        class_parser,  # the product document's spelling
        crypto,
    )

    assert class_parser is blazeio_other.class_parser is other.class_parser
    assert crypto is blazeio_other.crypto is sys.modules["Blazeio.Other.crypto"]


def test_the_client_export_list_is_exactly_what_is_promised_and_on_the_facade() -> None:
    import blazeio_client

    assert sorted(blazeio_client.__all__) == sorted(
        ["__version__", "getSession", "Session", "Pool", "Rvtools", "Timeout", "Client", "ClientClosed",
         "ClientRequest", "MockTransport", "MockResponse", "CookieJar", "Cookie", "CookieError", "BasicAuth",
         "BearerAuth", "DigestAuth", "AuthError", "Retry", "ConnectError", "ProxyError", "ConnectTimeout",
         "ReadTimeout", "WriteTimeout", "PoolTimeout", "TooManyRedirects", "DownloadError", "IncompleteDownload",
         "RangeMismatch"]
    )  # fmt: skip
    for name in set(blazeio_client.__all__) - {"__version__"}:  # the facade's version is its own
        assert getattr(io, name) is getattr(blazeio_client, name), name
