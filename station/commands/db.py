"""`station db check`: integrity, schema, event chain and its recorded head, of the local store.
`station db restore`: rebuild the store from the hub's copy of this station's chain."""

from __future__ import annotations

import argparse

from station import store
from station.context import open_readonly_path
from station.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help=_("local database maintenance"))
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    check = dbsub.add_parser("check",
                             help=_("integrity, schema, event chain and lost events; exit 0 only when healthy"))
    check.set_defaults(func=_check)
    migrate = dbsub.add_parser("migrate", help=_("create or migrate the database to the current schema"))
    migrate.set_defaults(func=_migrate)
    restore = dbsub.add_parser("restore", help=_("rebuild a lost or damaged database from the hub's copy of this "
                                                 "station's chain (the old files are moved aside, never deleted)"))
    restore.set_defaults(func=_restore)


def _check(args: argparse.Namespace) -> int:
    data = open_readonly_path(args.data_dir)
    report = store.check(data.database)
    print(_("database: {database}").format(database=data.database))
    for line in report.lines:
        print(line)
    print(_("healthy") if report.ok else _("NOT healthy"))
    return 0 if report.ok else 1


def _restore(args: argparse.Namespace) -> int:
    from station.config import Config
    from station.sync.restore import restore

    data = open_readonly_path(args.data_dir)
    done = restore(data, Config.load(data.config_file))
    span = f"#1-#{done.head.seq}" if done.head else "none"
    print(
        _(
            "Restored {database} from the hub: {events} events of station '{station}' ({span}), verified link by "
            "link; no event is waiting to be sent."
        ).format(database=data.database, events=done.events, station=done.station, span=span)
    )
    print(
        _(
            "{units} units rebuilt from the events that created them (identifiers and intake fields); what later "
            "events changed (stage, grades, wipe status, route) is in each unit's history, not in its row."
        ).format(units=done.units)
    )
    if done.operators:
        print(
            _(
                "{value} operators are back without PIN or role and are inactive until a supervisor sets them again: "
                "{value2}."
            ).format(value=len(done.operators), value2=", ".join(done.operators))
        )
    for p in done.moved:
        print(_("kept: {p}").format(p=p))
    if done.lost:
        print(_("LOST: {lost}.").format(lost=done.lost))
    return 1 if done.lost else 0


def _migrate(args: argparse.Namespace) -> int:
    from station.context import open_station

    ctx = open_station(args.data_dir)
    print(
        _("database {database} at schema {value}").format(
            database=ctx.data.database, value=store.current_revision(ctx.store.engine)
        )
    )
    ctx.close()
    return 0
