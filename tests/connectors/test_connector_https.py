"""The https path: connect to the checked address but verify the certificate by host name."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from planner.connectors import http
from planner.connectors.base import ConnectorOptions
from planner.connectors.errors import TransientError
from tests.fakes import FakeServer, RecordedRequest, Reply


class HelloServer(FakeServer):
    def respond(self, request: RecordedRequest) -> Reply:
        return Reply(200, {"host": request.headers.get("host")})


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """Write a self-signed certificate for ``localhost`` and its key to one PEM file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "localhost.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def tls_server(certificate: Path) -> Iterator[HelloServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate)
    with HelloServer(tls=context) as server:
        yield server


def test_untrusted_certificate_is_refused_before_sending(tls_server: HelloServer) -> None:
    client = http.HttpClient(ConnectorOptions(allow_private_hosts=True, timeout=2))
    port = tls_server.url.rsplit(":", 1)[1]
    with pytest.raises(TransientError, match="Secure connection to localhost failed"):
        client.request("POST", f"https://localhost:{port}/", json={})
    assert tls_server.requests == []


def test_trusted_certificate_is_checked_against_the_host_name(
    tls_server: HelloServer, certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate))
    monkeypatch.setattr(http, "tls_context", lambda: trusting)
    client = http.HttpClient(ConnectorOptions(allow_private_hosts=True, timeout=2))
    port = tls_server.url.rsplit(":", 1)[1]
    response = client.request("GET", f"https://localhost:{port}/")
    assert response.json_object() == {"host": f"localhost:{port}"}
    # The certificate names localhost, not the address we connected to.
    with pytest.raises(TransientError, match="Secure connection to 127.0.0.1 failed"):
        client.request("GET", f"https://127.0.0.1:{port}/")
