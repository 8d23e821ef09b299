"""``aws_s3.S3``: S3 requests signed with SigV4 (ours, in ``sigv4``), and helpers that use them.

    s3 = aws_s3.S3(bucket, region, key, secret)
    async with io.getSession(**s3.authorize("/dir/file.bin", {"content-length": n})) as up: ...

The endpoint is AWS (virtual-hosted style, ``https://<bucket>.s3.<region>.amazonaws.com``) unless
``endpoint=`` or the AWS SDKs' ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` give another
S3-compatible server, which is addressed path-style (``<endpoint>/<bucket>/<key>``).

Paths are encoded once (RFC 3986 with ``/`` kept; ``%XX`` already present is kept, so a key
encoded by the caller is not encoded twice). The helpers do their I/O through
``blazeio_client``, imported only when used.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from blazeio_common import BlazeioException, Err, ddict, url_encode
from blazeio_other.sigv4 import UNSIGNED_PAYLOAD, Credentials, canonical_path, presign_query, sign_headers

__all__ = ["S3", "S3Error"]

MIN_PART = 5 * 1024 * 1024  # S3's smallest part (all but the last)


class S3Error(BlazeioException):
    """An S3 error response: ``code`` (e.g. ``NoSuchKey``), ``message`` and HTTP ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.error_message = message


class S3:
    """One bucket: signs requests for it; ``url``, ``authorize``, ``presign`` and async helpers."""

    def __init__(
        self,
        bucket: str,
        region: str,
        key: str,
        secret: str,
        *,
        session_token: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        if not all((bucket, region, key, secret)):
            raise Err("S3 needs a bucket, a region, an access key and a secret key")
        self.bucket = bucket
        self.region = region
        self.credentials = Credentials(key, secret, session_token)
        endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        self.endpoint = endpoint.rstrip("/") if endpoint else None

    # -- addressing ---------------------------------------------------------------------
    def url(self, path: str) -> str:
        """The object's URL. ``path`` may already carry the bucket (as ``resp.path`` does, path-style)."""
        encoded = canonical_path(path if path.startswith("/") else "/" + path, normalize=False)
        if self.endpoint:
            if not (encoded + "/").startswith(f"/{self.bucket}/"):
                encoded = f"/{self.bucket}{encoded}"
            return self.endpoint + encoded
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com{encoded}"

    @staticmethod
    def _host(url: str) -> str:
        parts = urlsplit(url)
        default = 443 if parts.scheme == "https" else 80
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        return host if parts.port in (None, default) else f"{host}:{parts.port}"

    # -- signing ------------------------------------------------------------------------
    def authorize(
        self,
        path: str,
        headers: Mapping[str, Any] | None = None,
        method: str = "PUT",
        *,
        query: str | None = None,
        payload: bytes | None = None,
        timestamp: datetime | None = None,
    ) -> ddict:
        """``{url, method, headers}`` for ``io.getSession(**...)``, signed with SigV4.

        The payload is ``UNSIGNED-PAYLOAD`` (stream it as you like) unless ``payload`` is given,
        then its SHA-256 is signed. The caller's headers are copied, never changed.
        """
        url = self.url(path) + (f"?{query}" if query else "")
        parts = urlsplit(url)
        fields = {str(k): str(v) for k, v in (headers or {}).items()}
        payload_hash = hashlib.sha256(payload).hexdigest() if payload is not None else UNSIGNED_PAYLOAD
        signed = [("host", self._host(url))]
        signed += [(k, v) for k, v in fields.items() if k.lower().startswith("x-amz-") or k.lower() == "content-md5"]
        added, _ = sign_headers(
            self.credentials,
            method,
            parts.path,
            parts.query,
            signed,
            region=self.region,
            service="s3",
            payload_hash=payload_hash,
            timestamp=timestamp,
            normalize=False,
            add_content_sha256=True,
        )
        fields.update(added)
        return ddict(url=url, method=method.upper(), headers=fields)

    async def aauthorize(self, *args: Any, **kwargs: Any) -> ddict:
        return self.authorize(*args, **kwargs)

    def presign(self, path: str, method: str = "GET", expires: int = 3600, timestamp: datetime | None = None) -> str:
        """A URL that works without headers for ``expires`` seconds (query-string authentication)."""
        if not 1 <= expires <= 7 * 24 * 3600:
            raise Err("presigned URLs last from 1 second to 7 days")
        url = self.url(path)
        parts = urlsplit(url)
        query, _ = presign_query(
            self.credentials,
            method,
            parts.path,
            "",
            [("host", self._host(url))],
            region=self.region,
            service="s3",
            expires=expires,
            payload_hash=UNSIGNED_PAYLOAD,
            timestamp=timestamp or datetime.now(UTC),
            normalize=False,
        )
        return f"{url}?{query}"

    # -- helpers (I/O through blazeio_client) -------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        query: str | None = None,
        body: bytes = b"",
        headers: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        from blazeio_client import getSession  # noqa: PLC0415 - optional dependency, used lazily

        signed = self.authorize(path, headers, method, query=query, payload=body)
        async with getSession(signed.url, signed.method, signed.headers, body=body or None) as resp:
            data = await resp.read() if method != "HEAD" else b""
            if resp.status_code not in ok:
                raise _error(resp.status_code, data)
            return resp, data

    async def create_bucket(self) -> None:
        await self._call("PUT", "/", ok=(200,))

    async def put_object(self, path: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        resp, _ = await self._call("PUT", path, body=data, headers={"content-type": content_type})
        return str(resp.headers.get("etag", ""))

    async def get_object(self, path: str) -> bytes:
        _, data = await self._call("GET", path)
        return bytes(data)

    async def head_object(self, path: str) -> Any:
        """The object's headers, or ``None`` when it does not exist."""
        try:
            resp, _ = await self._call("HEAD", path)
        except S3Error as exc:
            if exc.status == 404:
                return None
            raise
        return resp.headers

    async def delete_object(self, path: str) -> None:
        await self._call("DELETE", path, ok=(200, 204))

    async def list_objects(self, prefix: str = "") -> list[ddict]:
        """Every key under ``prefix`` (ListObjectsV2, following continuation tokens)."""
        import xmltodict  # noqa: PLC0415

        keys: list[ddict] = []
        token: str | None = None
        while True:
            query = "list-type=2" + (f"&prefix={url_encode(prefix)}" if prefix else "")
            if token:
                query += f"&continuation-token={url_encode(token)}"
            _, data = await self._call("GET", "/", query=query)
            result = xmltodict.parse(data)["ListBucketResult"]
            contents = result.get("Contents") or []
            items = contents if isinstance(contents, list) else [contents]
            keys.extend(ddict(key=i["Key"], size=int(i["Size"]), etag=i.get("ETag", "")) for i in items)
            if result.get("IsTruncated") != "true":
                return keys
            token = result.get("NextContinuationToken")

    async def upload_stream(
        self,
        path: str,
        chunks: AsyncIterable[bytes],
        *,
        part_size: int = 8 * 1024 * 1024,
        content_type: str = "application/octet-stream",
        retries: int = 3,
    ) -> str:
        """Multipart upload of a stream of unknown length; aborted on failure (nothing half-written).

        Parts are ``part_size`` bytes (at least 5 MiB, as S3 requires); each is retried up to
        ``retries`` times. Memory holds one part at a time.
        """
        import xmltodict  # noqa: PLC0415

        part_size = max(part_size, MIN_PART)
        _, data = await self._call("POST", path, query="uploads", headers={"content-type": content_type})
        upload_id = xmltodict.parse(data)["InitiateMultipartUploadResult"]["UploadId"]
        uid = url_encode(upload_id)
        etags: list[str] = []
        try:
            buffer = bytearray()
            async for chunk in chunks:
                buffer += chunk
                while len(buffer) >= part_size:
                    etags.append(await self._part(path, uid, len(etags) + 1, bytes(buffer[:part_size]), retries))
                    del buffer[:part_size]
            if buffer or not etags:
                etags.append(await self._part(path, uid, len(etags) + 1, bytes(buffer), retries))
            parts = "".join(
                f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in enumerate(etags, 1)
            )
            body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
            resp, data = await self._call("POST", path, query=f"uploadId={uid}", body=body)
            if b"<Error>" in data:  # S3 can report a failed completion inside a 200
                raise _error(500, data)
            return str(resp.headers.get("etag", ""))
        except BaseException:
            await self._call("DELETE", path, query=f"uploadId={uid}", ok=(200, 204))
            raise

    async def _part(self, path: str, uid: str, number: int, data: bytes, retries: int) -> str:
        for attempt in range(1, retries + 1):
            try:
                resp, _ = await self._call("PUT", path, query=f"partNumber={number}&uploadId={uid}", body=data)
                return str(resp.headers["etag"])
            except (S3Error, ConnectionError, TimeoutError):
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")


def _error(status: int, data: bytes) -> S3Error:
    try:
        import xmltodict  # noqa: PLC0415

        error = xmltodict.parse(data)["Error"]
        return S3Error(status, str(error.get("Code", "")), str(error.get("Message", "")))
    except Exception:  # not XML (e.g. a proxy's HTML page): keep what we have
        return S3Error(status, "Unknown", data[:200].decode("utf-8", "replace"))
