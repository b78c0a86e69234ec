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
    print(f"database: {data.database}")
    for line in report.lines:
        print(line)
    print("healthy" if report.ok else "NOT healthy")
    return 0 if report.ok else 1


def _restore(args: argparse.Namespace) -> int:
    from station.config import Config
    from station.sync.restore import restore

    data = open_readonly_path(args.data_dir)
    done = restore(data, Config.load(data.config_file))
    span = f"#1-#{done.head.seq}" if done.head else "none"
    print(f"Restored {data.database} from the hub: {done.events} events of station '{done.station}' ({span}), "
          "verified link by link; no event is waiting to be sent.")
    print(f"{done.units} units rebuilt from the events that created them (identifiers and intake fields); what "
          "later events changed (stage, grades, wipe status, route) is in each unit's history, not in its row.")
    if done.operators:
        print(f"{len(done.operators)} operators are back without PIN or role and are inactive until a supervisor "
              f"sets them again: {', '.join(done.operators)}.")
    for p in done.moved:
        print(f"kept: {p}")
    if done.lost:
        print(f"LOST: {done.lost}.")
    return 1 if done.lost else 0


def _migrate(args: argparse.Namespace) -> int:
    from station.context import open_station

    ctx = open_station(args.data_dir)
    print(f"database {ctx.data.database} at schema {store.current_revision(ctx.store.engine)}")
    ctx.close()
    return 0
