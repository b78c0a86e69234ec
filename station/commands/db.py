"""`station db check`: integrity and migration state of the local store."""

from __future__ import annotations

import argparse

from station import store
from station.context import open_readonly_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="local database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    check = dbsub.add_parser("check", help="integrity check and migration state; exit 0 only when healthy")
    check.set_defaults(func=_check)
    migrate = dbsub.add_parser("migrate", help="create or migrate the database to the current schema")
    migrate.set_defaults(func=_migrate)


def _check(args: argparse.Namespace) -> int:
    data = open_readonly_path(args.data_dir)
    report = store.check(data.database)
    print(f"database: {data.database}")
    for line in report.lines:
        print(line)
    if report.ok:
        from sqlalchemy.orm import Session

        from station.events import verify_store_chain

        engine = store.make_engine(data.database, writer=False)
        try:
            with Session(engine) as s:
                chain = verify_store_chain(s)
        finally:
            engine.dispose()
        print(f"event chain: {chain.checked} events, " + ("verified" if chain.ok else f"BROKEN: {chain.problem}"))
        report.ok = chain.ok
    print("healthy" if report.ok else "NOT healthy")
    return 0 if report.ok else 1


def _migrate(args: argparse.Namespace) -> int:
    from station.context import open_station

    ctx = open_station(args.data_dir)
    print(f"database {ctx.data.database} at schema {store.current_revision(ctx.store.engine)}")
    ctx.close()
    return 0
