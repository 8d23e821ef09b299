"""Connections through a proxy: http proxies (absolute form, CONNECT) and SOCKS5 tunnels.

A SOCKS5 tunnel is opened on a plain non-blocking socket with the sans-IO handshake of
``socks5.py``; the socket is then handed to ``loop.create_connection(sock=...)``, which starts
TLS over the tunnel for ``https://`` targets (the certificate is checked against the target's
name, never the proxy's).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from functools import partial

from blazeio_client.connection import ClientConnection, ConnectError, open_connection, open_tunnel
from blazeio_client.socks5 import Socks5Handshake, SocksProtocolError
from blazeio_client.timeouts import ConnectTimeout
from blazeio_client.url import Proxy
from blazeio_common.http import HeadCache

__all__ = ["open_through"]


async def open_through(
    proxy: Proxy,
    host: str,
    port: int,
    tls: ssl.SSLContext | None,
    within: float | None,
    heads: HeadCache | None = None,
) -> ClientConnection:
    """A connection to ``host:port`` (TLS with ``tls``) through ``proxy``; ``heads``: the pool's head cache."""
    if proxy.scheme == "http":
        if tls is not None:  # https through an http proxy: a CONNECT tunnel, then TLS
            return await open_tunnel(proxy.host, proxy.port, host, port, tls, proxy.authorization, within, heads)
        return await open_connection(proxy.host, proxy.port, None, within, heads)  # absolute-form requests
    try:
        async with asyncio.timeout(within):
            return await _open_socks5(proxy, host, port, tls, heads)
    except TimeoutError:
        raise ConnectTimeout(f"no connection to {host}:{port} through {proxy.scheme}://{proxy.host}:{proxy.port} "
                             f"within {within} s") from None  # fmt: skip


async def _open_socks5(
    proxy: Proxy, host: str, port: int, tls: ssl.SSLContext | None, heads: HeadCache | None
) -> ClientConnection:
    loop = asyncio.get_running_loop()
    target = host
    if proxy.scheme == "socks5" and not _is_address(host):
        # socks5://: the client resolves the name and sends the address (ATYP 1 or 4).
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise ConnectError(f"cannot resolve {host}: {exc}") from exc
        target = str(infos[0][4][0])
    sock = await _connect_to_proxy(proxy)
    try:
        handshake = Socks5Handshake(target, port, username=proxy.username, password=proxy.password)
        await loop.sock_sendall(sock, handshake.greeting())
        while not handshake.done:
            data = await loop.sock_recv(sock, 4096)
            if not data:
                handshake.eof()
            reply = handshake.receive(data)
            if reply:
                await loop.sock_sendall(sock, reply)
        if handshake.leftover:
            # The client speaks first on a new tunnel (the request, or the TLS ClientHello).
            raise SocksProtocolError("the SOCKS5 proxy sent bytes before the request")
        try:
            _, connection = await loop.create_connection(
                partial(ClientConnection, heads), sock=sock, ssl=tls, server_hostname=host if tls else None
            )
        except ssl.SSLCertVerificationError:
            raise
        except OSError as exc:
            raise ConnectError(f"cannot connect to {host}:{port} through the SOCKS5 proxy: {exc}") from exc
    except BaseException:
        sock.close()
        raise
    return connection


async def _connect_to_proxy(proxy: Proxy) -> socket.socket:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(proxy.host, proxy.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConnectError(f"cannot resolve the proxy {proxy.host}: {exc}") from exc
    error: OSError | None = None
    for family, kind, protocol, _, address in infos:
        sock = socket.socket(family, kind, protocol)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise ConnectError(f"cannot connect to the proxy {proxy.host}:{proxy.port}: {error}")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
