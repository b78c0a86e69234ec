"""How anything on the station trusts the hub: one TLS setup for sync and for exports across stations.

A pinned fingerprint (sync.hub_fingerprint) trusts exactly the certificate `station hub serve`
printed; a CA file (sync.ca_file) trusts a private CA; otherwise the system's CAs. Plain http
or an unverified https URL is refused unless sync.allow_insecure says the risk is accepted,
because the token would cross the network unprotected.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import ssl
from urllib.parse import urlsplit

from station.config import Config
from station.errors import UserFacingError
from station.i18n import _

log = logging.getLogger(__name__)


class HubError(UserFacingError):
    """Base of hub problems; the station keeps working and retries."""


class HubUnreachable(HubError):
    pass


class HubRefused(HubError):
    pass


def fingerprint(der: bytes) -> str:
    """'sha256:AB:CD:...' of a DER certificate, the form `sync.hub_fingerprint` takes."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return "sha256:" + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def normalise(pin: str) -> str:
    """Accept the fingerprint with or without 'sha256:', colons or case."""
    return pin.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")


def insecure(config: Config, url: str) -> bool:
    """Plain http, or https without verification: the token crosses the network unprotected."""
    return urlsplit(url).scheme == "http" or not config.get_bool("sync.verify_tls")


def tls_verify(config: Config, url: str) -> bool | ssl.SSLContext:
    """How this station checks the hub: a pinned fingerprint, a private CA, the system's CAs, or (opted in) not."""
    if insecure(config, url):
        if not config.get_bool("sync.allow_insecure"):
            raise HubRefused(_("The hub URL {url} is plain http or unverified, so the token would cross the "
                               "network unprotected. Use the hub's https URL with sync.hub_fingerprint, or "
                               "set sync.allow_insecure = true to accept the risk.").format(url=url))
        # said by `sync status` on every look; in the log once per pass would drown the rest
        log.info("sync: the hub at %s is used without TLS verification (sync.allow_insecure)", url)
        return False
    pin = config.get_str("sync.hub_fingerprint")
    if pin:
        return pinned_context(url, pin)
    if config.get_str("sync.ca_file"):
        try:
            return ssl.create_default_context(cafile=config.get_str("sync.ca_file"))
        except (OSError, ssl.SSLError) as exc:
            raise HubUnreachable(_("The CA file {sync_ca_file} (sync.ca_file) cannot be used ({exc}). Point "
                                   "sync.ca_file at the PEM file of the CA that signed the hub.").format(
                    sync_ca_file=config['sync.ca_file'], exc=exc)) from exc
    return True


def pinned_context(url: str, pin: str, timeout: float = 10.0) -> ssl.SSLContext:
    """Read the certificate the hub presents, compare its sha256 with the pin, then trust exactly it."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    probe = ssl.create_default_context()
    probe.check_hostname, probe.verify_mode = False, ssl.CERT_NONE  # only to read it; nothing is sent
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                probe.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True) or b""
    except (OSError, ssl.SSLError) as exc:
        raise HubUnreachable(_("The hub at {url} cannot be reached ({exc}); work is kept and will be sent "
                               "when it is back.").format(url=url, exc=exc)) from exc
    seen = fingerprint(der)
    if normalise(seen) != normalise(pin):
        raise HubRefused(_("The hub at {url} presented the certificate {seen}, not the pinned one "
                           "(sync.hub_fingerprint). Nothing was sent. If the hub's certificate was renewed, "
                           "pin the new fingerprint that 'station hub serve' prints.").format(url=url, seen=seen))
    ctx = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
    ctx.check_hostname = False  # the pin names the certificate; the name in the URL does not matter
    return ctx
