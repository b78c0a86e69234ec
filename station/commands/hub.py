"""`station hub ...`: run the hub, manage its tokens and publish configuration to stations.

The database comes from --database-url, else STATION_HUB_DATABASE_URL, else the
hub.database_url setting. Tokens are printed once, at creation; the hub keeps only hashes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from station.context import open_readonly_path, settings
from station.errors import UserFacingError
from station.i18n import _

# station.sync.documents.KINDS, spelled out: building the parser must not import the loaders.
DOCUMENT_KINDS = ("matrix", "rules", "layout", "operators", "vendors", "lifecycle", "bands", "costs")

if TYPE_CHECKING:
    from station.sync.hub.db import HubStore


def register(sub: argparse._SubParsersAction) -> None:
    hub = sub.add_parser("hub", help=_("the central hub service (PostgreSQL) and its tokens"))
    hub.add_argument("--database-url", help=_("postgresql://user[:password]@host[:port]/db"))
    hs = hub.add_subparsers(dest="hub_command", required=True, metavar="ACTION")
    serve = hs.add_parser("serve", help=_("run the hub HTTP service (migrates the schema first)"))
    serve.add_argument("--host", help=_("listen address (default: the hub.host setting)"))
    serve.add_argument("--port", type=int, help=_("TCP port (default: the hub.port setting)"))
    serve.add_argument("--workers", type=int, default=1, help=_("worker processes (stateless; default 1)"))
    serve.add_argument("--cert", "--ssl-certfile", dest="ssl_certfile",
                       help=_("TLS certificate (PEM); without it the hub makes its own on first start"))
    serve.add_argument("--key", "--ssl-keyfile", dest="ssl_keyfile", help=_("TLS private key (PEM)"))
    serve.add_argument("--plain-http", action="store_true",
                       help=_("serve plain HTTP (only behind a TLS proxy; stations then need sync.allow_insecure)"))
    serve.add_argument("--no-migrate", action="store_true", help=_("do not upgrade the schema at start"))
    serve.set_defaults(func=_serve)
    hs.add_parser("migrate", help=_("create or upgrade the hub schema")).set_defaults(func=_migrate)
    hs.add_parser("move-blobs", help=_("move photos and PDFs an older hub kept in PostgreSQL to the object storage "
                  "(hub.s3_*), before upgrading")).set_defaults(func=_move_blobs)
    for name, helptext, func in (
        ("create-station", "register station NAME (its station.id) and print its token once", _create_station),
        ("revoke-station", "revoke every token of station NAME", _revoke_station),
        ("create-reader", "create a supervisor/integration read token NAME and print it once", _create_reader),
        ("revoke-reader", "revoke the read token(s) named NAME", _revoke_reader),
    ):
        p = hs.add_parser(name, help=helptext)
        p.add_argument("name", metavar="NAME")
        p.add_argument("--by", help=_("who does this (recorded; default: this computer's account)"))
        if name.startswith("create"):
            p.add_argument("--expires-days", type=float, help=_("the token stops working after this many days"))
            p.add_argument("--site", help=_("the site it belongs to (a reader then sees that site's stations only)"))
        p.set_defaults(func=func)
    site = hs.add_parser("site", help=_("create or change site NAME: its verification address and its stations"))
    site.add_argument("name", metavar="NAME")
    site.add_argument("--verify-url", help=_("public address of the hub's /verify page, printed in QR codes"))
    site.add_argument("--station", action="append", default=[], help=_("move this station to the site (repeatable)"))
    site.set_defaults(func=_site)
    hs.add_parser("sites", help=_("list sites, their verification address and stations")).set_defaults(func=_sites)
    rot = hs.add_parser("rotate-token", help=_("a new token for station NAME; the old ones end after --grace-hours"))
    rot.add_argument("name", metavar="NAME")
    rot.add_argument("--grace-hours", type=float, default=24.0,
                     help=_("how long the station's current tokens keep working (default 24; 0 ends them now)"))
    rot.add_argument("--expires-days", type=float, help=_("the new token stops working after this many days"))
    rot.add_argument("--by", help=_("who does this (recorded; default: this computer's account)"))
    rot.set_defaults(func=_rotate_token)
    hs.add_parser("tokens", help=_("list tokens (names and roles; never the tokens)")).set_defaults(func=_tokens)
    pub = hs.add_parser("publish", help=_("publish a configuration document for stations to pull"))
    pub.add_argument("kind", choices=DOCUMENT_KINDS)
    pub.add_argument("name", help=_("document name (a matrix's id, a layout's name, ...)"))
    pub.add_argument("file", type=Path, help=_("the document (TOML, or JSON for operators)"))
    pub.add_argument("--by", help=_("who publishes it (recorded)"))
    pub.set_defaults(func=_publish)
    unpub = hs.add_parser("unpublish", help=_("withdraw a configuration document; stations drop it"))
    unpub.add_argument("kind", choices=DOCUMENT_KINDS)
    unpub.add_argument("name")
    unpub.add_argument("--by", help=_("who withdraws it (recorded)"))
    unpub.set_defaults(func=_unpublish)
    hist = hs.add_parser("history", help=_("every version of a configuration document, withdrawals included"))
    hist.add_argument("kind", choices=DOCUMENT_KINDS)
    hist.add_argument("name")
    hist.set_defaults(func=_history)
    from station.commands import hub_value  # its handlers import the hub lazily, as these do

    hub_value.register(hs)


def _url(args: argparse.Namespace) -> str:
    from station.sync.hub.db import database_url_from_env, normalise_url

    setting = ""
    if not (args.database_url or os.environ.get("STATION_HUB_DATABASE_URL")):
        setting = settings(open_readonly_path(args.data_dir))["hub.database_url"]
    return normalise_url(database_url_from_env(args.database_url, setting))


def _store(args: argparse.Namespace) -> HubStore:
    from station.sync.hub.db import HubStore, migrate

    store = HubStore(_url(args), pool_size=1)
    migrate(store.engine)
    return store


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from station.sync.hub.app import ENV_SETTINGS
    from station.sync.hub.db import ENV_DATABASE_URL, make_engine, migrate

    url = _url(args)
    if not args.no_migrate:
        engine = make_engine(url, pool_size=1)
        migrate(engine)
        engine.dispose()
    config = settings(open_readonly_path(args.data_dir))
    host, port = args.host or config["hub.host"], args.port or config["hub.port"]
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise UserFacingError(_("TLS needs both --cert and --key."))
    if args.plain_http and args.ssl_certfile:
        raise UserFacingError(_("--plain-http and --cert exclude each other; choose one."))
    if args.plain_http:
        print(_("warning: plain HTTP: tokens and records cross the network unprotected unless a TLS proxy is in front"),
              file=sys.stderr)
    elif not args.ssl_certfile:
        from station.sync.hub.tls import ensure_certificate

        cert, key, pin = ensure_certificate(open_readonly_path(args.data_dir).root / "hub-tls", [host])
        args.ssl_certfile, args.ssl_keyfile = str(cert), str(key)
        print(
            _("hub certificate {cert}\nfingerprint {pin}  (put it in each station's sync.hub_fingerprint)").format(
                cert=cert, pin=pin
            ),
            flush=True,
        )
    os.environ[ENV_DATABASE_URL] = url  # read by app_from_env in every worker process
    os.environ[ENV_SETTINGS] = str(open_readonly_path(args.data_dir).config_file)  # hub.s3_*, read there too
    print(
        _("hub listening on {value}://{host}:{port}").format(
            value="http" if args.plain_http else "https", host=host, port=port
        ),
        flush=True,
    )
    uvicorn.run(
        "station.sync.hub.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level="warning",
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from station.sync.hub.db import current_revision

    store = _store(args)
    print(_("hub schema at {value}").format(value=current_revision(store.engine)))
    store.close()
    return 0


def _move_blobs(args: argparse.Namespace) -> int:
    from station.sync.hub import blobmove
    from station.sync.hub.db import make_engine
    from station.sync.hub.objects import ObjectStore, S3Settings

    s3 = S3Settings.from_config(settings(open_readonly_path(args.data_dir)))
    if s3 is None:
        raise UserFacingError(
            _(
                "No object storage is configured: set hub.s3_endpoint, hub.s3_bucket and its keys in "
                "hub.toml, then run 'station hub move-blobs' again."
            )
        )
    engine = make_engine(_url(args), pool_size=1)
    try:
        print(
            _("{value} blob(s) moved to {endpoint} ({bucket})").format(
                value=blobmove.move(engine, ObjectStore(s3)), endpoint=s3.endpoint, bucket=s3.bucket
            )
        )
    finally:
        engine.dispose()
    return 0


def _token_command(args: argparse.Namespace, action: str) -> int:
    from station.sync.hub import auth

    store = _store(args)
    try:
        with store.session() as s:
            if action == "create-station":
                token = auth.create_station(s, args.name, args.by, args.expires_days, args.site)
            elif action == "create-reader":
                token = auth.create_reader(s, args.name, args.by, args.expires_days, args.site)
            elif action == "rotate-token":
                token = auth.rotate_station_token(s, args.name, args.by, args.grace_hours, args.expires_days)
            elif action == "revoke-station":
                n = auth.revoke_station(s, args.name, args.by)
                print(
                    _("station {name}: {n} token(s) revoked; it can no longer write or read").format(
                        name=args.name, n=n
                    )
                )
                return 0
            else:
                n = auth.revoke_reader(s, args.name, args.by)
                print(_("read token {name}: {n} revoked").format(name=args.name, n=n))
                return 0
    finally:
        store.close()
    print(token)
    print(
        _("This token is shown only now. Put it in the station's sync.token ({name}).").format(name=args.name),
        file=sys.stderr,
    )
    return 0


def _rotate_token(args: argparse.Namespace) -> int:
    return _token_command(args, "rotate-token")


def _create_station(args: argparse.Namespace) -> int:
    return _token_command(args, "create-station")


def _revoke_station(args: argparse.Namespace) -> int:
    return _token_command(args, "revoke-station")


def _create_reader(args: argparse.Namespace) -> int:
    return _token_command(args, "create-reader")


def _revoke_reader(args: argparse.Namespace) -> int:
    return _token_command(args, "revoke-reader")


def _site(args: argparse.Namespace) -> int:
    from station.sync.hub import sites

    store = _store(args)
    try:
        with store.session() as s:
            row = sites.ensure(s, args.name, args.verify_url)
            for station in args.station:
                sites.assign(s, station, row.id)
            url = row.verify_url
    finally:
        store.close()
    print(
        _("site {site}: verify address {url}").format(site=args.name, url=url or _("(none)"))
        + (_("; stations moved here: {stations}").format(stations=", ".join(args.station)) if args.station else "")
    )
    return 0


def _sites(args: argparse.Namespace) -> int:
    from station.sync.hub import sites

    store = _store(args)
    try:
        with store.session() as s:
            for info in sites.list_sites(s):
                print(f"{info.id:20} {info.verify_url or '(no verify address)':40} {', '.join(info.stations) or '-'}")
    finally:
        store.close()
    return 0


def _tokens(args: argparse.Namespace) -> int:
    from station.sync.hub import auth

    store = _store(args)
    try:
        with store.session() as s:
            now = auth.now()
            for t in auth.list_tokens(s):
                if t.revoked_at:
                    state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M} by {t.revoked_by or '?'}"
                elif t.expires_at and t.expires_at <= now:
                    state = f"expired {t.expires_at:%Y-%m-%d %H:%M}"
                else:
                    state = "active" + (f" until {t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "")
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                where = f" site {t.site_id}" if t.site_id else ""
                print(
                    _(
                        "#{id:<5} {role:8} {name:30}{where} created {created_at:%Y-%m-%d %H:%M} by {value}  last "
                        "used {used}  {state}"
                    ).format(
                        id=t.id,
                        role=t.role,
                        name=t.name,
                        where=where,
                        created_at=t.created_at,
                        value=t.created_by or "?",
                        used=used,
                        state=state,
                    )
                )
    finally:
        store.close()
    return 0


def _publish(args: argparse.Namespace) -> int:
    from station.sync.hub import configdocs

    try:
        body = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserFacingError(_("{file} cannot be read as text ({exc}).").format(file=args.file, exc=exc)) from exc
    store = _store(args)
    try:
        with store.session() as s:
            version, created = configdocs.publish(s, args.kind, args.name, body, args.by)
    finally:
        store.close()
    print(_("{document} version {version}").format(document=f"{args.kind}/{args.name}", version=version)
          + ("" if created else _(" (unchanged: same content)")))
    return 0


def _unpublish(args: argparse.Namespace) -> int:
    from station.sync.hub import configdocs

    store = _store(args)
    try:
        with store.session() as s:
            version = configdocs.unpublish(s, args.kind, args.name, args.by)
    finally:
        store.close()
    print(
        _("{kind}/{name} withdrawn (version {version}); stations drop it on their next pass").format(
            kind=args.kind, name=args.name, version=version
        )
    )
    return 0


def _history(args: argparse.Namespace) -> int:
    from station.sync.hub import configdocs

    store = _store(args)
    try:
        with store.session() as s:
            rows = configdocs.history(s, args.kind, args.name)
    finally:
        store.close()
    if not rows:
        raise UserFacingError(
            _("Nothing was ever published as {kind} '{name}'.").format(kind=args.kind, name=args.name)
        )
    for r in rows:
        what = "withdrawn" if r.withdrawn else f"sha256 {r.sha256[:12]}"
        print(
            _("v{version:<4} {published_at}  {what:20} by {value}").format(
                version=r.version, published_at=r.published_at, what=what, value=r.published_by or "(not recorded)"
            )
        )
    return 0
