"""Hostile and broken HTTP servers on 127.0.0.1 for the client's tests.

``serving(handler)`` runs a raw-socket server: each connection gets its own thread, whose
``handler(conn, request)`` may answer anything at any speed (a redirect, a byte every half
second, a gzip bomb, a body that is not what Graph sends). It records every request it read,
so a test can assert that a request never reached a server it must not reach.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Optional

Handler = Callable[[socket.socket, bytes], None]


class Server:
    """A running loopback server: its ``url`` and the raw ``requests`` it received."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.lock = threading.Lock()


def _read_request(conn: socket.socket) -> bytes:
    """Headers and, when a Content-Length says so, the body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), for a TLS server a test trusts."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextlib.contextmanager
def serving(handler: Handler, tls: Optional[ssl.SSLContext] = None) -> Iterator[Server]:
    """Serve ``handler`` on a free loopback port until the block ends (over TLS with ``tls``)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = Server(sock)
    if tls is not None:
        server.url = server.url.replace("http://", "https://")

    def connection(conn: socket.socket) -> None:
        if tls is not None:
            try:
                conn = tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return
        with conn:
            try:
                request = _read_request(conn)
                with server.lock:
                    server.requests.append(request)
                handler(conn, request)
            except OSError:
                pass

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=connection, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server
    finally:
        sock.close()


def answer(payload: bytes) -> Handler:
    """A handler that sends ``payload`` and closes."""

    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(payload)

    return handle


def response(status: str, body: bytes = b"", headers: tuple[str, ...] = ()) -> bytes:
    """A complete HTTP/1.1 response with a Content-Length."""
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def server_tls(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A TLS context for :func:`serving` and the certificate file a client should trust."""
    cert, key = certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert


def drip(head: bytes, every: float, limit: float = 60.0) -> Handler:
    """A handler that sends ``head`` and then one byte every ``every`` seconds, for up to ``limit``."""

    def handle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(head)
        end = time.monotonic() + limit
        while time.monotonic() < end:
            time.sleep(every)
            conn.sendall(b" ")

    return handle
