"""Configuration documents as both ends see them: names, kinds and the one check of a body.

The hub runs `check` when a document is published and the station runs it again before
applying one, with the same loaders the station reads its files with: a document the
station cannot load is refused at `hub publish`, and if one still arrives (an older or a
hostile hub) the station quarantines it. A name is `[a-z0-9_-]{1,64}`, so it is never a
path of its own; `inside` is the last check before a name becomes a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from station import costs, disposition_rules, disposition_vendors
from station.errors import ConfigError
from station.grading import matrix
from station.i18n import _
from station.labels import layout
from station.limits import CONFIG_NAME_PATTERN
from station.value import bands, lifecycle

KINDS = ("matrix", "rules", "layout", "operators", "vendors", "lifecycle", "bands", "costs")
# Kinds the hub writes itself (`station hub site --verify-url` writes `site`), not published by hand.
HUB_KINDS = ("site",)
ROLES = ("technician", "supervisor")
# What a supervisor may do in the hub's web console: 'console' and 'site' in an operator entry (stations ignore both).
CONSOLE_ROLES = ("site_manager", "auditor", "admin")
MAX_BODY = 4 * 1024 * 1024
_NAME = re.compile(CONFIG_NAME_PATTERN)


def valid_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def check_name(kind: str, name: str) -> None:
    if kind not in KINDS + HUB_KINDS:
        raise ConfigError(_("'{kind}' is not a configuration kind; use one of: {kinds}.").format(
                kind=kind, kinds=', '.join(KINDS)))
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(_("{name!r} is not a usable document name: use 1-64 of a-z, 0-9, '_' and '-'.").format(
                name=name))


def _matrix(name: str, body: str) -> str | None:
    m = matrix.parse(body, f"hub matrix '{name}'")
    if m.id != name:
        raise ConfigError(_("hub matrix '{name}': its id is '{id}'; publish it under that name.").format(
                name=name, id=m.id))
    return str(m.version)  # the grading area keys matrices by their own version


def _layout(name: str, body: str) -> str | None:
    found = layout.parse(body, Path(f"hub layout '{name}'"))
    if found.name != name:
        raise ConfigError(_("hub layout '{name}': its name is '{found}'; publish it under that name.").format(
                name=name, found=found.name))
    return None


def _rules(name: str, body: str) -> str | None:
    return str(disposition_rules.parse(body, f"hub disposition rules '{name}'").version)


def _vendors(name: str, body: str) -> str | None:
    # R2v3 downstream due diligence: the site's vendor list, the same loader the routes read it with.
    return disposition_vendors.parse(body, f"hub vendor list '{name}'").version


def _costs(name: str, body: str) -> str | None:
    # The cost table cost per return is priced with, read on the station by the same parser.
    return costs.parse(body, f"hub cost table '{name}'").version


def _only_name(kind: str, name: str, expected: str) -> None:
    # The station reads one document of each of these kinds, by this name: another one would be dead weight.
    if name != expected:
        raise ConfigError(_("hub {kind} '{name}': stations read the {kind} document named '{expected}'; "
                            "publish it under that name.").format(kind=kind, name=name, expected=expected))


def _lifecycle(name: str, body: str) -> str | None:
    _only_name("lifecycle", name, lifecycle.NAME)
    return lifecycle.parse(body, f"hub lifecycle tags '{name}'").version


def _bands(name: str, body: str) -> str | None:
    _only_name("bands", name, bands.NAME)
    return bands.parse(body, f"hub price bands '{name}'").version


def _operators(name: str, body: str) -> str | None:
    from station.limits import OPERATOR_NAME_MAX

    try:
        rows = json.loads(body)
    except ValueError as exc:
        raise ConfigError(_("hub operator list '{name}': not valid JSON ({exc}).").format(name=name, exc=exc)) from exc
    if not isinstance(rows, list):
        raise ConfigError(_("hub operator list '{name}': must be a list of operators.").format(name=name))
    for n, r in enumerate(rows, 1):
        if not isinstance(r, dict) or not isinstance(r.get("badge"), str) or not r["badge"] \
                or not isinstance(r.get("name"), str) or not r["name"].strip():
            raise ConfigError(_("hub operator list '{name}', entry {n}: needs a 'badge' and a 'name' (text).").format(
                    name=name, n=n))
        if len(r["name"]) > OPERATOR_NAME_MAX:
            raise ConfigError(_("hub operator list '{name}', entry {n}: a name has at most "
                                "{OPERATOR_NAME_MAX} characters.").format(
                    name=name, n=n, OPERATOR_NAME_MAX=OPERATOR_NAME_MAX))
        if r.get("role", "technician") not in ROLES:
            raise ConfigError(_("hub operator list '{name}', entry {n}: role must be one of {roles}.").format(
                    name=name, n=n, roles=', '.join(ROLES)))
        console = r.get("console")
        if console is not None and (console not in CONSOLE_ROLES or r.get("role") != "supervisor"):
            raise ConfigError(_("hub operator list '{name}', entry {n}: 'console' is for supervisors and is "
                                "one of {console_roles}.").format(
                    name=name, n=n, console_roles=', '.join(CONSOLE_ROLES)))
        if console == "site_manager" and not (isinstance(r.get("site"), str) and r["site"].strip()):
            raise ConfigError(_("hub operator list '{name}', entry {n}: a site manager needs the 'site' "
                                "they manage.").format(name=name, n=n))
    return None


def check_verify_url(url: str) -> str:
    """A site's public certificate check (the hub's /verify address), as QR codes will carry it."""
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or len(url) > 300 or any(c.isspace() for c in url):
        raise ConfigError(_("'{url}' is not a usable verification address: give the hub's public https:// "
                            "address of /verify, e.g. https://hub.example.com/verify.").format(url=url))
    return url


def site_verify_url(body: str) -> str:
    """The verification address in a site document (`verify_url = "..."`, nothing else)."""
    import tomllib

    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("hub site document: not valid TOML ({exc}).").format(exc=exc)) from exc
    if set(data) != {"verify_url"} or not isinstance(data["verify_url"], str):
        raise ConfigError(_("hub site document: it holds exactly one key, verify_url (text)."))
    return check_verify_url(data["verify_url"])


def _site(name: str, body: str) -> str | None:
    # The hub writes one per site from `station hub site NAME --verify-url URL` and hands each station its own.
    try:
        site_verify_url(body)
    except ConfigError as exc:
        raise ConfigError(_("hub site '{name}': {exc}").format(name=name, exc=exc)) from None
    return None


# kind -> check(name, body) returning the document's own version label, if it has one.
LOADERS: dict[str, Callable[[str, str], str | None]] = {
    "matrix": _matrix, "layout": _layout, "rules": _rules, "operators": _operators, "vendors": _vendors,
    "lifecycle": _lifecycle, "bands": _bands, "costs": _costs, "site": _site,
}


def check(kind: str, name: str, body: str) -> str | None:
    """Load the document as the station would; ConfigError (naming it) for anything that does not load."""
    check_name(kind, name)
    limit = bands.MAX_BYTES if kind == "bands" else MAX_BODY  # a band per model, grade and channel adds up
    if not isinstance(body, str) or "\x00" in body or len(body.encode("utf-8")) > limit:
        raise ConfigError(_("The {kind} '{name}' is not a text document of at most {limit} bytes.").format(
                kind=kind, name=name, limit=limit))
    try:
        return LOADERS[kind](name, body)
    except ConfigError:
        raise
    except Exception as exc:  # a loader's own slip (a TypeError on `prices = true`) is still a bad document
        raise ConfigError(_("The {kind} '{name}' cannot be loaded: {error}: {exc}.").format(
                kind=kind, name=name, error=type(exc).__name__, exc=exc)) from exc


def inside(folder: Path, name: str, suffix: str = ".toml") -> Path:
    """folder/name+suffix, refused unless it stays directly inside `folder`."""
    if not _NAME.fullmatch(name):
        raise ConfigError(_("{name!r} is not a usable document name.").format(name=name))
    path = folder / f"{name}{suffix}"
    if path.resolve().parent != folder.resolve():
        raise ConfigError(_("The document {name!r} would be written outside {folder}.").format(
                name=name, folder=folder))
    return path
