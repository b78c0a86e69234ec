"""The package's shared-bench layout: one station for every technician's account on a bench PC.

Installed (its /etc/triage-station/station.toml present), the data lives in /var/lib/triage-station,
group `triage`, setgid, and IT's settings come from /etc. Two real accounts (uids of no one, in a
made-up group standing for `triage`) open the same station one after the other.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from station import admin, operators, paths
from station.certs import keys
from station.config import Config
from station.context import Operator, open_station, settings

ROOT = Path(__file__).resolve().parents[1]
HELPER = "pkexec /usr/libexec/triage-station/station-wipe-helper"
GROUP = 54_321  # stands for `triage`: a gid no account here has
ACCOUNTS = (65_534, 65_533)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """/etc/triage-station/station.toml and /var/lib/triage-station as the package's postinst leaves them,
    in a folder other accounts can reach (pytest's tmp_path is root's alone)."""
    top = Path(tempfile.mkdtemp(prefix="station-bench-", dir="/tmp"))
    top.chmod(0o755)
    etc, var = top / "etc" / "station.toml", top / "var"
    etc.parent.mkdir()
    shutil.copy(ROOT / "installer/deb/station/station.toml", etc)
    os.chown(etc, 0, GROUP)
    etc.chmod(0o640)
    var.mkdir()
    os.chown(var, 0, GROUP)
    var.chmod(0o2770)
    monkeypatch.setattr(paths, "SYSTEM_CONFIG", etc)
    monkeypatch.setattr(paths, "SYSTEM_DATA_DIR", var)
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        yield etc, var
    finally:
        os.umask(umask)  # open_station sets the shared bench's umask for the whole process
        shutil.rmtree(top)


def _open_and_sign(name: str) -> str:
    ctx = open_station()
    try:
        operators.add(ctx, name, "technician", pin="4321")
        return "\n".join((str(ctx.data.root), ctx.config["wipe.helper"], keys.load_or_create(ctx.data).fingerprint))
    finally:
        ctx.close()


def _as_account(uid: int, name: str) -> list[str]:
    """`_open_and_sign` in a child process that has become account `uid` in the bench's group. A fork, not a
    new interpreter: this Python lives where other accounts cannot read, so every module is loaded first."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.close(read)
            os.setgroups([GROUP])
            os.setgid(GROUP)
            os.setuid(uid)
            os.write(write, _open_and_sign(name).encode())
            code = 0
        except BaseException as exc:  # whatever it is, the parent shows it
            os.write(write, f"{type(exc).__name__}: {exc}".encode())
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        out = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    return out.split("\n")


def test_two_accounts_share_one_station_and_no_one_else_reads_it(bench: tuple[Path, Path], tmp_path: Path) -> None:
    _, var = bench
    with pytest.MonkeyPatch.context() as warm:  # every module the accounts need, loaded while root reads them
        warm.setenv(paths.ENV_DATA_DIR, str(tmp_path))
        _open_and_sign("Warm")
    first = _as_account(ACCOUNTS[0], "Ana")
    second = _as_account(ACCOUNTS[1], "Bo")  # writes the database, chain head and logs Ana created
    assert first[0] == second[0] == str(var.resolve())
    assert first[1] == second[1] == HELPER  # the package's settings: a bench user without `disk` wipes via pkexec
    assert first[2] == second[2]  # one signing key, one station identity
    for path in [var / "station.sqlite3", var / "station.chain-head.json", *(var / "keys").iterdir()]:
        mode = path.stat().st_mode
        assert path.stat().st_gid == GROUP and not mode & stat.S_IRWXO, (path, oct(mode))
    key = var / "keys" / "station-ed25519.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o640  # the group signs; no one may rewrite it
    assert stat.S_IMODE((var / "keys").stat().st_mode) & 0o7777 == 0o2750


def test_the_supervisor_panel_saves_beside_the_data_and_it_settings_stay_in_etc(bench: tuple[Path, Path]) -> None:
    etc, var = bench
    etc.write_text(etc.read_text() + '\n[org]\nname = "Set by IT"\nphone = "+34 600"\n')
    ctx = open_station()
    try:
        assert ctx.data.root == var.resolve() and ctx.config["org.name"] == "Set by IT"
        info = operators.add(ctx, "Sue", "supervisor", pin="4321")
        ctx.operator = Operator(info.id, info.name, "supervisor")
        admin.change_settings(ctx, {"org.name": "Bench 7 floor"})
        local = var / "station.toml"
        assert stat.S_IMODE(local.stat().st_mode) == 0o660 and local.stat().st_gid == GROUP
        assert "Set by IT" in etc.read_text() and "wipe" not in local.read_text()  # IT's file is not rewritten
        again = settings(ctx.data)
        assert again["org.name"] == "Bench 7 floor" and again["org.phone"] == "+34 600"
        assert again["wipe.helper"] == HELPER
    finally:
        ctx.close()


def test_a_checkout_keeps_the_per_user_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(paths, "SYSTEM_CONFIG", tmp_path / "absent" / "station.toml")
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
    assert paths.resolve_data_dir() == (tmp_path / "home" / "triage-station").resolve()
    data = paths.DataDir(paths.resolve_data_dir())
    assert data.system_config is None and not data.shared
    assert Config.load(data.config_file, base=data.system_config)["wipe.helper"] == ""


def test_an_error_in_it_settings_names_the_etc_file(bench: tuple[Path, Path]) -> None:
    etc, _ = bench
    etc.write_text("[wipe]\nblock_mib = 2\n")
    with pytest.raises(Exception, match=f"{etc}: 'wipe.block_mib'"):
        open_station()
