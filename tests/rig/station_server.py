"""Runs `station` commands INSIDE the rig's guest, each in a child forked from a warm interpreter.

Under TCG a cold `station` start costs tens of seconds of imports (SQLAlchemy, Alembic, the
command modules), paid again by every command. This server, started once per VM with the
project's own Python, imports the CLI and builds its parser once; each request then forks a
child that calls `station.cli.main(argv)` exactly as the `station` console script does, with
its own session, cwd, environment and stdout/stderr files. The child's exit code is main()'s
return value (SystemExit's code for argparse errors).

Same file protocol as guest_agent.py: requests in cmd/N.json ({"argv", "timeout", "cwd", "env"},
or {"call", "args", "path", ...} for a test's guest-side function),
results in out/N.out, out/N.err and last out/N.rc. Copied to the writable export at boot.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback

TIMED_OUT = 124
POLL = 0.02
IDLE_POLL = 0.25
WAIT_POLL = 0.05  # while a command runs
# Modules the commands import lazily (the database migration on first open, udev): warmed here once.
WARM = ("alembic.command", "alembic.config", "alembic.runtime.migration", "alembic.runtime.environment",
        "alembic.script", "sqlalchemy.dialects.sqlite", "mako.template", "pyudev")


def child(spec: dict, job: str) -> int:
    """In the forked child: become `station <argv>` (or call `module:function`, see call())."""
    import station.cli

    os.setsid()
    fds = [os.open("/dev/null", os.O_RDONLY),
           os.open(f"out/{job}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
           os.open(f"out/{job}.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.update(spec.get("env", {}))
    os.chdir(spec.get("cwd", "/tmp"))
    sys.argv = ["station", *spec.get("argv", [])]
    try:
        rc = call(spec) if "call" in spec else station.cli.main(spec["argv"])
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        rc = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return int(rc or 0)


def call(spec: dict) -> int:
    """A test's own guest-side function ("package.module:function", run with "args"), for what the
    CLI does not offer by design (e.g. forcing a firmware command the planner would never choose).
    "path" is put first on sys.path so the project's tests package imports."""
    if spec.get("path"):
        sys.path.insert(0, spec["path"])
    module, _, name = spec["call"].partition(":")
    result = getattr(importlib.import_module(module), name)(*spec.get("args", []))
    return int(result or 0)


def run_one(name: str) -> None:
    job = name.removesuffix(".json")
    os.rename(f"cmd/{name}", f"out/{name}")
    with open(f"out/{name}") as fh:
        spec = json.load(fh)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = child(spec, job)
        finally:
            os._exit(code)
    deadline = time.monotonic() + float(spec.get("timeout", 600))
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            rc = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)  # the child leads its own session: its workers go too
            os.waitpid(pid, 0)
            with open(f"out/{job}.err", "a") as err:
                err.write(f"\nrig station server: killed after {spec.get('timeout')} s\n")
            rc = TIMED_OUT
            break
        time.sleep(WAIT_POLL)
    with open(f"out/{job}.rc.tmp", "w") as fh:
        fh.write(f"{rc}\n")
    os.rename(f"out/{job}.rc.tmp", f"out/{job}.rc")


def main() -> int:
    os.chdir(sys.argv[1])
    os.makedirs("cmd", exist_ok=True)
    os.makedirs("out", exist_ok=True)
    started = time.monotonic()
    import station.cli

    station.cli.build_parser()  # imports every command module
    failed = []
    for name in WARM:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a module missing here only means the child imports it itself
            failed.append(f"{name}: {exc}")
    with open("ready.tmp", "w") as fh:
        json.dump({"seconds": time.monotonic() - started, "modules": len(sys.modules), "warm_failed": failed}, fh)
    os.rename("ready.tmp", "ready")
    idle = POLL
    while True:
        names = sorted((n for n in os.listdir("cmd") if n.endswith(".json")), key=lambda n: int(n.split(".")[0]))
        for name in names:
            run_one(name)
        # Quick to answer right after a command, then polling less: under TCG every wake-up costs.
        idle = POLL if names else min(idle * 1.25, IDLE_POLL)
        time.sleep(idle)


if __name__ == "__main__":
    sys.exit(main())
