"""The command agent that runs INSIDE the rig's guest (copied to the writable export at boot).

Protocol over the writable 9p export (cache=none, so each side sees the other's files at once):
  the host writes cmd/N.json ({"command", "timeout", "cwd", "env"}) by rename, so it appears whole;
  the agent moves it to out/, runs the command with /bin/sh in its own process group, kills the
  group after the timeout (exit 124, like coreutils `timeout`), writes out/N.out and out/N.err as the
  command runs, and last renames out/N.rc into place: a present .rc means the outputs are complete.
Standard library only, runs on the host's /usr/bin/python3 through the read-only root.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

TIMED_OUT = 124
POLL = 0.02
IDLE_POLL = 0.25


def base_env() -> dict[str, str]:
    # The guest's / is the host root, read-only: HOME and every temp dir point at tmpfs.
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "XDG_RUNTIME_DIR": "/run",
        "XDG_CACHE_HOME": "/tmp/.cache", "XDG_CONFIG_HOME": "/tmp/.config", "XDG_DATA_HOME": "/tmp/.local/share",
        "PYTHONDONTWRITEBYTECODE": "1", "TERM": "dumb",
    }


def wait_for_udev(limit: float = 90.0) -> str:
    """The init starts udev beside this agent; the VM is ready once udev has settled."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if os.path.exists("out/udev.done"):
            with open("out/udev.done") as fh:
                return f"udev settled (status {fh.read().strip()})"
        time.sleep(POLL)
    return "udev did not settle"


def run_one(name: str) -> None:
    job = name.removesuffix(".json")
    os.rename(f"cmd/{name}", f"out/{name}")
    with open(f"out/{name}") as fh:
        spec = json.load(fh)
    env = base_env() | spec.get("env", {})
    with open(f"out/{job}.out", "wb") as out, open(f"out/{job}.err", "wb") as err:
        try:
            proc = subprocess.Popen(["/bin/sh", "-c", spec["command"]], cwd=spec.get("cwd", "/tmp"), env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        except OSError as exc:
            err.write(f"rig agent: cannot start the command: {exc}\n".encode())
            rc = 127
        else:
            try:
                rc = proc.wait(timeout=float(spec.get("timeout", 120)))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                err.write(f"\nrig agent: killed after {spec.get('timeout')} s\n".encode())
                rc = TIMED_OUT
    with open(f"out/{job}.rc.tmp", "w") as fh:
        fh.write(f"{rc}\n")
    os.rename(f"out/{job}.rc.tmp", f"out/{job}.rc")


def uptime() -> str:
    with open("/proc/uptime") as fh:
        return fh.read().split()[0]


def main() -> int:
    os.chdir(sys.argv[1])
    os.makedirs("cmd", exist_ok=True)
    os.makedirs("out", exist_ok=True)
    boot_log = [f"agent {uptime()}"]
    if os.path.exists("udev.on"):
        boot_log.append(f"{wait_for_udev()} {uptime()}")
    with open("ready.tmp", "w") as fh:
        fh.write("\n".join(boot_log) + f"\nready {uptime()}\n")
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
