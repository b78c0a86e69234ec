"""`station db check`: integrity, schema, event chain and its recorded head, of the local store."""

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


def _check(args: argparse.Namespace) -> int:
    data = open_readonly_path(args.data_dir)
    report = store.check(data.database)
    print(f"database: {data.database}")
    for line in report.lines:
        print(line)
    print("healthy" if report.ok else "NOT healthy")
    return 0 if report.ok else 1


def _migrate(args: argparse.Namespace) -> int:
    from station.context import open_station

    ctx = open_station(args.data_dir)
    print(f"database {ctx.data.database} at schema {store.current_revision(ctx.store.engine)}")
    ctx.close()
    return 0
