"""TLS between station and hub: verified by default, with a private CA when configured."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from station.sync import run_once
from tests.sync.factory import ThreadHub, add_events

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certs(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a hub certificate for 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test facility CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hub.test")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "hub.pem", folder / "hub.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(key))
    return paths


def test_hub_certificate_is_verified_and_a_private_ca_can_be_trusted(hub_db, tokens, make_station, tmp_path):
    ca, cert, key = _certs(tmp_path)
    hub = ThreadHub(hub_db, ssl_certfile=str(cert), ssl_keyfile=str(key)).start()
    token = tokens.station("bench-1")
    try:
        assert hub.url.startswith("https://")
        strict = make_station("bench-1", hub.url, token)
        add_events(strict, 2)
        refused = run_once(strict)
        assert refused.state == "offline" and "does not trust" in refused.errors[0]
        strict.config.set("sync.ca_file", str(ca))
        trusted = run_once(strict)
        assert trusted.ok and trusted.events_sent == 2
        lax = make_station("bench-1", hub.url, token, verify_tls=False, allow_insecure=True)
        assert run_once(lax).online  # verification off: connects (its own chain is a fork, refused)
    finally:
        hub.stop()


def test_hub_serves_tls_by_default_and_a_pinned_station_sends_only_to_that_certificate(
        hub_db, hub_store, tokens, make_station, tmp_path):
    from sqlalchemy import func, select

    from station.sync.hub.models import HubEvent
    from tests.sync.factory import HubProcess
    from tests.sync.pgserver import free_port

    hub = HubProcess(hub_db, free_port(), tmp_path, tls=True).start()
    token = tokens.station("bench-1")
    try:
        pin = hub.fingerprint()
        assert hub.url.startswith("https://") and pin.startswith("sha256:") and len(pin) == 7 + 95
        assert oct((tmp_path / "hub-tls" / "hub-key.pem").stat().st_mode & 0o777) == "0o600"
        unpinned = make_station("bench-1", hub.url, token)
        add_events(unpinned, 2)
        assert "does not trust" in run_once(unpinned).errors[0]
        wrong = make_station("bench-1", hub.url, token, hub_fingerprint="sha256:" + ":".join(["AB"] * 32))
        add_events(wrong, 2)
        refused = run_once(wrong)
        assert refused.state == "refused" and "not the pinned one" in refused.errors[0]
        with hub_store.session() as s:
            assert s.execute(select(func.count()).select_from(HubEvent)).scalar() == 0
        pinned = make_station("bench-1", hub.url, token, hub_fingerprint=pin.lower().replace(":", "")[6:])
        add_events(pinned, 3)
        report = run_once(pinned)
        assert report.ok and report.events_sent == 3
        hub.stop()
        hub.start()  # the same certificate on the next start: the pin still holds
        assert hub.fingerprint() == pin
    finally:
        hub.stop()


def test_plain_http_needs_allow_insecure(hub, tokens, make_station):
    ctx = make_station("bench-1", hub.url, tokens.station("bench-1"), allow_insecure=False)
    add_events(ctx, 2)
    report = run_once(ctx)
    assert report.state == "refused" and "sync.allow_insecure" in report.errors[0] and report.events_sent == 0
    ctx.config.set("sync.allow_insecure", True)
    assert run_once(ctx).events_sent == 2


def test_exports_across_stations_trust_the_hub_as_sync_does(hub_db, tokens, tmp_path):
    """hub_rows had its own TLS setup: it ignored the pin (so refused the hub's own certificate) and sent the
    reader token over plain http without sync.allow_insecure."""
    import datetime as dt

    from station.config import Config
    from station.reports import hub_rows
    from station.shifts import Window
    from station.sync.hub.tls import ensure_certificate

    cert, key, pin = ensure_certificate(tmp_path / "hub-tls")
    hub = ThreadHub(hub_db, ssl_certfile=str(cert), ssl_keyfile=str(key)).start()
    reader = tokens.reader("office")
    w = Window(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    try:
        config = Config.load(tmp_path / "station.toml")
        config.set("sync.hub_url", hub.url)
        with pytest.raises(hub_rows.HubExportError, match="does not trust"):
            hub_rows.fetch(config, w, None, reader)
        config.set("sync.hub_fingerprint", "sha256:" + ":".join(["AB"] * 32))
        with pytest.raises(hub_rows.HubExportError, match=r"not the pinned one.*nothing was exported"):
            hub_rows.fetch(config, w, None, reader)
        config.set("sync.hub_fingerprint", pin)
        assert hub_rows.fetch(config, w, None, reader).rows == []
        config.set("sync.hub_url", hub.url.replace("https://", "http://"))
        with pytest.raises(hub_rows.HubExportError, match=r"sync\.allow_insecure"):
            hub_rows.fetch(config, w, None, reader)
    finally:
        hub.stop()
