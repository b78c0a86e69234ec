"""`station cert verify|show|export-key|batch|validate`: certificates anyone can check, and second-person validation."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import atomic, events
from station.certs import keys
from station.certs import verify as cert_verify
from station.context import open_readonly_path, settings
from station.errors import UserFacingError
from station.i18n import _
from station.models import Event, Meta
from station.paths import DataDir
from station.store import make_engine


def register(sub: argparse._SubParsersAction) -> None:
    cert = sub.add_parser("cert", help=_("verify, show and export certificates of sanitization"))
    csub = cert.add_subparsers(dest="cert_command", required=True, metavar="ACTION")
    v = csub.add_parser("verify", help=_("check a certificate (JSON or PDF): exit 0 if all checks pass, 1 if any "
                                       "fails, 3 if all pass but it is SIMULATED (issued in demo mode)"))
    v.add_argument("file", type=Path)
    v.add_argument("--key", type=Path, help=_("the station's public key (PEM); default: this station's own key"))
    v.set_defaults(func=_verify)
    s = csub.add_parser("show", help=_("print a certificate's main fields (or --json for all of it)"))
    s.add_argument("file", type=Path)
    s.add_argument("--json", action="store_true", help=_("print the whole signed document"))
    s.set_defaults(func=_show)
    e = csub.add_parser("export-key", help=_("write the station's public key (PEM) and print its fingerprint"))
    e.add_argument("--out", type=Path, help=_("file to write (default: print the PEM)"))
    e.add_argument("--x509", action="store_true", help=_("the station's X.509 CA certificate instead of the bare key: "
                                                       "the trust anchor for openssl, pyHanko and PDF readers"))
    e.set_defaults(func=_export_key)
    b = csub.add_parser("batch", help=_("one summary PDF of verified certificates (a lot or a customer job); "
                                      "exit 1 when any file fails verification"))
    b.add_argument("files", type=Path, nargs="*", help=_("certificate JSON or PDF files"))
    b.add_argument("--lot", help=_("add the latest certificate of every unit in this lot (from this station)"))
    b.add_argument("--title", default="Sanitization batch summary")
    b.add_argument("--key", type=Path, help=_("the station's public key (PEM); default: this station's own key"))
    b.add_argument("--out", type=Path, required=True)
    b.set_defaults(func=_batch)
    va = csub.add_parser(
        "validate",
        help=_(
            "sign a PENDING certificate as its second person (cert.require_validation): "
            "a different operator from the performer, with their own PIN"
        ),
    )
    va.add_argument("certificate", help=_("the pending certificate's id"))
    va.add_argument(
        "--as",
        dest="operator",
        required=True,
        metavar="NAME",
        help=_("the validator (PIN asked, or the first line of stdin)"),
    )
    va.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    import getpass
    import sys

    from station.certs import certificate
    from station.context import open_station

    pin = getpass.getpass(f"PIN for {args.operator}: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    ctx = open_station(args.data_dir)
    try:
        done = certificate.validate(ctx, args.certificate, args.operator, pin)
    finally:
        ctx.close()
    print(
        _("{certificate} validated by {operator}: the final certificate is {id} ({json_path}).").format(
            certificate=args.certificate, operator=args.operator, id=done.id, json_path=done.json_path
        )
    )
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserFacingError(
            _("Cannot read {path} ({strerror}); check the path.").format(path=path, strerror=exc.strerror)
        ) from exc


def _station_id(data: DataDir, s: Session) -> str | None:
    try:
        configured = settings(data)["station.id"]
    except UserFacingError:
        configured = ""
    return configured or s.execute(select(Meta.value).where(Meta.key == "station_id")).scalar()


def _lookup(data: DataDir) -> cert_verify.EventLookup | None:
    if not data.database.exists():
        return None

    def lookup(station: str, seq: int) -> tuple[dict[str, Any], events.ChainReport] | None:
        engine = make_engine(data.database, writer=False)
        try:
            with Session(engine) as s:
                if _station_id(data, s) != station:
                    return None
                ev = s.execute(select(Event).where(Event.seq == seq)).scalar_one_or_none()
                if ev is None:  # this station's own certificate, but its event is gone from the log
                    last = s.execute(select(Event.seq).order_by(Event.seq.desc()).limit(1)).scalar() or 0
                    return {"missing": True, "last_seq": last}, events.ChainReport(False, 0, "event missing")
                walk = events.verify_chain(
                    s.execute(select(Event).where(Event.seq <= seq).order_by(Event.seq)).scalars()
                )
                return {"hash": ev.hash}, walk
        finally:
            engine.dispose()

    return lookup


def _trusted_key(args: argparse.Namespace, data: DataDir) -> keys.Ed25519PublicKey | None:
    if args.key:
        return keys.load_public_pem(args.key)
    own = data.keys / keys.PUBLIC_NAME
    return keys.load_public_pem(own) if own.exists() else None


def _verify(args: argparse.Namespace) -> int:
    data = open_readonly_path(args.data_dir)
    report = cert_verify.verify_bytes(_read(args.file), trusted=_trusted_key(args, data), lookup=_lookup(data))
    env = report.envelope or {}
    cert = env.get("certificate", {})
    if cert:
        print(f"{cert.get('id')}: {cert.get('title')}")
    for c in report.checks:
        print(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
    if report.ok and report.simulated:
        print(_("SIMULATED: a valid demo certificate; it certifies no erase of a real device"))
        return SIMULATED_EXIT
    print(_("VALID") if report.ok else _("NOT VALID"))
    return 0 if report.ok else 1


SIMULATED_EXIT = 3  # every check passed, but the certificate was issued in demo mode: never taken for a real one


def _show(args: argparse.Namespace) -> int:
    raw, _kind = cert_verify.extract(_read(args.file))
    if raw is None:
        raise UserFacingError(
            _("{file} carries no station certificate; give the JSON or the station's PDF.").format(file=args.file)
        )
    try:
        env = json.loads(raw)
        cert = env["certificate"]
        if not isinstance(cert, dict):
            raise TypeError("the certificate section is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise UserFacingError(
            _("{file} is not a station certificate ({exc}).").format(file=args.file, exc=exc)
        ) from exc
    if args.json:
        print(json.dumps(env, indent=1, sort_keys=True, ensure_ascii=False))
        return 0
    try:
        rows = _show_rows(env, cert)
    except (KeyError, TypeError, AttributeError) as exc:
        raise UserFacingError(
            _(
                "{file} is not a station certificate as the station writes it (a field is missing or of the wrong "
                "type: {exc}); 'station cert verify' says more."
            ).format(file=args.file, exc=exc)
        ) from exc
    for k, v in rows:
        print(f"{k + ':':14} {v}")
    return 0


def _show_rows(env: dict[str, Any], cert: dict[str, Any]) -> list[tuple[str, Any]]:
    g = cert["appendix_g"]
    return [
        ("Certificate", cert["id"]),
        ("Title", cert["title"]),
        ("Sanitized", "yes" if cert["sanitized"] else "NO"),
        ("Outcome", cert["outcome"]),
        ("Issued", cert["issued_at"]),
        ("Media", f"{g['media']['make_vendor']} {g['media']['model']} serial {g['media']['serial_number']}"),
        ("Method", f"{g['sanitization']['method_type']}: {g['sanitization']['method_used']}"),
        ("Verification", g["sanitization"]["verification_method"]),
        ("Performed by", f"{g['person']['name']} ({g['person']['organization']})"),
        ("Destination", g["media_destination"]),
        ("Hidden areas", cert["hpa_dco"].get("statement", "")),
        ("Key", g["signature"]["key_fingerprint"]),
        ("SHA-256", env.get("sha256", "")),
    ]


def _export_key(args: argparse.Namespace) -> int:
    data = open_readonly_path(args.data_dir).ensure()
    key = keys.load_or_create(data)
    pem = keys.public_pem(key.public)
    if args.x509:
        from station.certs import x509 as cert_x509

        station_id = None
        if data.database.exists():
            engine = make_engine(data.database, writer=False)
            try:
                with Session(engine) as s:
                    station_id = _station_id(data, s)
            finally:
                engine.dispose()
        pem = cert_x509.root_pem(data, key, station_id or "unnamed")
    if args.out:
        try:
            atomic.write_atomic(args.out, pem)
        except OSError as exc:
            raise atomic.write_error(args.out, exc, "the public key") from exc
        print(_("wrote {out}").format(out=args.out))
    else:
        print(pem.decode("ascii"), end="")
    print(_("fingerprint: {fingerprint}").format(fingerprint=key.fingerprint))
    return 0


def _batch(args: argparse.Namespace) -> int:
    """A summary of verified certificates; a file that fails verification is listed apart, never counted."""
    from station.certs import pdf as cert_pdf

    data = open_readonly_path(args.data_dir)
    paths = list(args.files) + (_lot_certificates(data, args.lot) if args.lot else [])
    if not paths:
        raise UserFacingError(_("No certificates given: name certificate files, or a lot with --lot CODE."))
    trusted, lookup = _trusted_key(args, data), _lookup(data)
    documents: list[tuple[dict[str, Any], str]] = []
    failures: list[tuple[str, str]] = []
    for path in paths:
        report = cert_verify.verify_bytes(_read(path), trusted=trusted, lookup=lookup)
        if report.ok and report.envelope is not None:
            documents.append((report.envelope["certificate"], report.envelope["sha256"]))
        else:
            failures.append((str(path), "; ".join(f"{c.name}: {c.detail}" for c in report.checks if not c.ok)))
    language = settings(data).get_str("site.language")  # the site's, like every certificate
    args.out.write_bytes(cert_pdf.render_batch(args.title, documents, failures, language=language))
    print(_("wrote {out} ({value} verified certificates)").format(out=args.out, value=len(documents)))
    for path, why in failures:
        print(_("  NOT VERIFIED {path}: {why}").format(path=path, why=why))
    return 0 if not failures else 1


def _lot_certificates(data: DataDir, code: str) -> list[Path]:
    """The newest certificate of each unit in lot `code`."""
    from station.models import Certificate, Lot, LotUnit

    if not data.database.exists():
        raise UserFacingError(
            _("No station database in {root}; run this on the station that wiped the lot.").format(root=data.root)
        )
    engine = make_engine(data.database, writer=False)
    try:
        with Session(engine) as s:
            lot = s.execute(select(Lot).where(Lot.code == code)).scalar_one_or_none()
            if lot is None:
                raise UserFacingError(
                    _("There is no lot {code} on this station; check the code with 'station lots'.").format(code=code)
                )
            rows = s.execute(
                select(Certificate.unit_id, Certificate.json_path, Certificate.created_at)
                .join(LotUnit, LotUnit.unit_id == Certificate.unit_id)
                .where(LotUnit.lot_id == lot.id)
                .order_by(Certificate.created_at)
            ).all()
    finally:
        engine.dispose()
    newest = {unit_id: Path(path) for unit_id, path, _at in rows}
    return list(newest.values())
