"""aws_s3: botocore as a second signing oracle, then end to end against moto in server mode
with authentication on, started on 127.0.0.1 by the tests."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from blazeio_other import aws_s3
from blazeio_other.sigv4 import Credentials, sign_headers

WHEN = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "s3_upload.py"


@pytest.mark.parametrize("key", ["/plain.txt", "/dir/with space/ü名.bin", "/already%20encoded.txt", "/a+b=c&d.txt"])
def test_s3_signatures_match_botocore(key: str) -> None:
    botocore_auth = pytest.importorskip("botocore.auth")
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    s3 = aws_s3.S3(
        "my-bucket", "eu-west-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session_token="tok"
    )
    signed = s3.authorize(key, {"x-amz-meta-owner": "blazeio"}, "PUT", timestamp=WHEN)
    request = AWSRequest(method="PUT", url=signed.url, headers={"x-amz-meta-owner": "blazeio"})
    request.headers["X-Amz-Date"] = WHEN.strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Security-Token"] = "tok"
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    request.context["timestamp"] = WHEN.strftime("%Y%m%dT%H%M%SZ")
    auth = botocore_auth.S3SigV4Auth(
        BotoCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok"), "s3", "eu-west-1"
    )
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    assert signed.headers["Authorization"].endswith(f"Signature={signature}")
    assert "%2520" not in signed.url  # encoded once


def test_url_styles_and_the_endpoint_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws = aws_s3.S3("b", "us-east-1", "k", "s")
    assert aws.url("dir/a b.txt") == "https://b.s3.us-east-1.amazonaws.com/dir/a%20b.txt"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/")
    local = aws_s3.S3("b", "us-east-1", "k", "s")
    assert local.url("/dir/x") == "http://127.0.0.1:9000/b/dir/x"
    assert local.url("/b/dir/x") == "http://127.0.0.1:9000/b/dir/x"  # a resp.path that has the bucket already
    with pytest.raises(aws_s3.Err):
        aws_s3.S3("b", "us-east-1", "", "s")


# -- moto, with authentication on -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def iam(port: int, action: str, **params: str) -> bytes:
    body = urlencode({"Action": action, "Version": "2010-05-08", **params}).encode()
    headers = [("host", f"127.0.0.1:{port}"), ("content-type", "application/x-www-form-urlencoded")]
    added, _ = sign_headers(
        Credentials("AKIDSETUP", "setup"), "POST", "/", "", headers, region="us-east-1", service="iam",
        payload_hash=hashlib.sha256(body).hexdigest(),
    )  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/", body=body, headers=dict(headers + added))
    response = conn.getresponse()
    data = response.read()
    conn.close()
    assert response.status == 200, data
    return data


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[str, str, str]]:
    """moto_server on 127.0.0.1 with auth on; yields (endpoint, access key, secret key)."""
    pytest.importorskip("moto")
    import xmltodict

    server = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    assert server is not None
    port = free_port()
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("POST", "/moto-api/reset-auth", body=b"3")  # 3 unauthenticated actions, then auth
                assert conn.getresponse().status == 200
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        iam(port, "CreateUser", UserName="blazeio")
        created = xmltodict.parse(iam(port, "CreateAccessKey", UserName="blazeio"))
        key = created["CreateAccessKeyResponse"]["CreateAccessKeyResult"]["AccessKey"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam(port, "PutUserPolicy", UserName="blazeio", PolicyName="s3", PolicyDocument=json.dumps(policy))
        yield f"http://127.0.0.1:{port}", key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
async def bucket(moto: tuple[str, str, str]) -> AsyncIterator[aws_s3.S3]:
    endpoint, key, secret = moto
    s3 = aws_s3.S3(f"bucket-{os.urandom(4).hex()}", "us-east-1", key, secret, endpoint=endpoint)
    await s3.create_bucket()
    yield s3
    from blazeio_client import getSession

    getSession.close()


async def test_signed_requests_succeed_and_a_wrong_secret_gets_403(
    bucket: aws_s3.S3, moto: tuple[str, str, str]
) -> None:
    await bucket.put_object("/docs/hello world.txt", b"hello", "text/plain")
    assert await bucket.get_object("/docs/hello world.txt") == b"hello"
    head = await bucket.head_object("/docs/hello world.txt")
    assert head is not None and head["content-length"] == "5"
    assert [k.key for k in await bucket.list_objects("docs/")] == ["docs/hello world.txt"]
    forged = aws_s3.S3(bucket.bucket, "us-east-1", moto[1], "not-the-secret", endpoint=moto[0])
    with pytest.raises(aws_s3.S3Error) as denied:
        await forged.get_object("/docs/hello world.txt")
    assert denied.value.status == 403
    await bucket.delete_object("/docs/hello world.txt")
    assert await bucket.head_object("/docs/hello world.txt") is None
    with pytest.raises(aws_s3.S3Error) as missing:
        await bucket.get_object("/docs/hello world.txt")
    assert (missing.value.status, missing.value.code) == (404, "NoSuchKey")


async def test_a_20_mib_multipart_upload_round_trips(bucket: aws_s3.S3) -> None:
    payload = os.urandom(1 << 20) * 20 + b"tail"

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 300_000):
            yield payload[i : i + 300_000]

    await bucket.upload_stream("/big/blob.bin", chunks(), part_size=5 * 1024 * 1024)
    data = await bucket.get_object("/big/blob.bin")
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()


async def test_a_failed_multipart_upload_is_aborted(bucket: aws_s3.S3) -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield os.urandom(6 * 1024 * 1024)
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        await bucket.upload_stream("/broken.bin", failing())
    assert await bucket.head_object("/broken.bin") is None


def test_presigned_urls_match_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    botocore_auth = pytest.importorskip("botocore.auth")
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    monkeypatch.setattr(botocore_auth, "get_current_datetime", lambda: WHEN.replace(tzinfo=None))
    s3 = aws_s3.S3("my-bucket", "eu-west-1", "AKIDEXAMPLE", "secret/key", endpoint="http://127.0.0.1:9000")
    ours = s3.presign("/dir/a b.txt", expires=300, timestamp=WHEN)
    request = AWSRequest(method="GET", url="http://127.0.0.1:9000/my-bucket/dir/a%20b.txt")
    botocore_auth.S3SigV4QueryAuth(
        BotoCredentials("AKIDEXAMPLE", "secret/key"), "s3", "eu-west-1", expires=300
    ).add_auth(request)
    theirs = dict(p.split("=", 1) for p in request.url.split("?", 1)[1].split("&"))
    assert ours.endswith(f"X-Amz-Signature={theirs['X-Amz-Signature']}")


async def test_the_third_example_uploads_a_20_mib_file_from_a_url(
    bucket: aws_s3.S3, moto: tuple[str, str, str], tmp_path: Path
) -> None:
    pytest.importorskip("blazeio_server")
    import asyncio

    import Blazeio as io

    payload = os.urandom(20 * 1024 * 1024)
    await asyncio.to_thread((tmp_path / "clip one.mp4").write_bytes, payload)
    web = io.App("127.0.0.1", 0)
    web.attach(io.StaticServer("/", str(tmp_path), 1024 * 100, "page", "index.html"))
    task = asyncio.create_task(web.run("127.0.0.1", 0))
    await web
    try:
        endpoint, key, secret = moto
        env = {
            **os.environ,
            "NO_COLOR": "1",
            "AWS_ENDPOINT_URL_S3": endpoint,
            "aws_s3_config": json.dumps(
                {"aws_bucket": bucket.bucket, "aws_region": "us-east-1", "aws_key": key, "aws_secret": secret}
            ),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLE), f"{web.server_address}/clip%20one.mp4",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        await web.exit()
        await task
    text = out.decode()
    assert proc.returncode == 0, text
    assert "Upload completed successfully!" in text and '"status_code": 200' in text
    assert "Upload Progress" in text and "Progress: 100.00%" in text
    # The example encodes the URL's (already encoded) basename once more, so S3 stores the key
    # "clip%20one.mp4" -- the document's own logic, kept unchanged.
    (stored,) = await bucket.list_objects("app/files/uploads/")
    assert (stored.key, stored.size) == ("app/files/uploads/clip%20one.mp4", len(payload))
    uploaded = await bucket.get_object("/" + stored.key.replace("%", "%25"))
    assert hashlib.sha256(uploaded).digest() == hashlib.sha256(payload).digest()
