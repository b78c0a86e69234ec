"""The simulated phone's userland: its mutable state, and a small `sh` that answers from it.

The shell understands what a bench sends a phone (getprop, dumpsys, settings, service
call, pm, ls/find, id, su, am broadcast, echo with redirection) joined by `;`, `&&` and
`||`, with `$?`. Anything else answers like mksh does: "inaccessible or not found", 127.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from station.devices.phone.identity import CARD_SERIAL
from station.sim.adb_models import PhoneModel

SILENT = -1  # exit code meaning "this command never answers"

_HEALTH_TEXT = {1: "Unknown", 2: "Good", 3: "Overheat", 4: "Dead", 5: "Over voltage", 7: "Cold"}


@dataclass
class PhoneState:
    """What a factory reset changes, plus the commands the phone received (the test's evidence)."""

    model: PhoneModel
    accounts: list[tuple[str, str]] = field(default_factory=list)
    device_owner: str | None = None
    profile_owner: str | None = None
    packages_3p: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    resets: int = 0

    @classmethod
    def new(cls, model: PhoneModel) -> PhoneState:
        files = {path: b"user data" for path in model.sdcard_files}
        if model.has_cache_partition:
            files["/cache/recovery/last_log"] = b"recovery log"
        if model.card_serial:
            files[CARD_SERIAL] = model.card_serial.encode() + b"\n"
        settings = {"global": {"device_provisioned": "1", "adb_enabled": "1"},
                    "secure": {"user_setup_complete": "1", "android_id": secrets.token_hex(8)}, "system": {}}
        return cls(model, list(model.accounts), model.device_owner, model.profile_owner,
                   list(model.packages_3p), files, settings)

    def factory_reset(self) -> None:
        """What recovery's --wipe_data leaves: no accounts, owners, apps, files, keys; setup wizard next."""
        self.accounts.clear()
        self.device_owner = self.profile_owner = None
        self.packages_3p.clear()
        self.files = {p: b for p, b in self.files.items() if p.startswith(("/cache/recovery/last", "/sys/"))}
        self.settings["global"].update(device_provisioned="0", adb_enabled="1" if self.model.adb_after_reset else "0")
        self.settings["secure"].update(user_setup_complete="0", android_id=secrets.token_hex(8))
        self.resets += 1


class SimShell:
    """Runs one command line. `on_reboot(target, wipe)` is called for reboots the shell asks for."""

    def __init__(self, state: PhoneState, on_reboot: Callable[[str, bool], None], *, recovery: bool = False) -> None:
        self.state = state
        self.props = state.model.props
        self.on_reboot = on_reboot
        self.recovery = recovery

    def run(self, line: str, root: bool = False) -> tuple[bytes, int]:
        """(output, exit code); exit code SILENT when the phone never answers."""
        self.state.received.append(line)
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:
            return b"/system/bin/sh: syntax error: unterminated quoted string\n", 1
        out, status, joiner = b"", 0, ";"
        segment: list[str] = []
        for tok in [*tokens, ";"]:
            if tok not in (";", "&&", "||"):
                segment.append(tok)
                continue
            run_it = joiner == ";" or (joiner == "&&" and status == 0) or (joiner == "||" and status != 0)
            if segment and run_it and segment[0] == "exit":  # the shell ends here; nothing after it runs
                return out, int(segment[1]) if len(segment) > 1 and segment[1].isdigit() else status
            if segment and run_it:
                seg_out, status = self._segment([t.replace("$?", str(status)) for t in segment], root)
                if status == SILENT:
                    return out, SILENT
                out += seg_out
            segment, joiner = [], tok
        return out, status

    def _segment(self, argv: list[str], root: bool) -> tuple[bytes, int]:
        # stderr redirects ("2>x" tokenises as "2", ">", "x") are dropped: this shell merges stderr anyway
        while any(argv[i] == "2" and argv[i + 1] in (">", ">>", ">&") for i in range(len(argv) - 1)):
            i = next(i for i in range(len(argv) - 1) if argv[i] == "2" and argv[i + 1] in (">", ">>", ">&"))
            argv = argv[:i] + argv[i + 3 :]
        target, append = None, False
        for op in (">>", ">"):
            if op in argv:
                i = argv.index(op)
                target, append, argv = argv[i + 1] if i + 1 < len(argv) else "", op == ">>", argv[:i]
                break
        out, status = self._command(argv, root)
        if target and status != SILENT and target != "/dev/null":
            if target.startswith("/cache") and not root:
                return f"/system/bin/sh: can't create {target}: Permission denied\n".encode(), 1
            self.state.files[target] = (self.state.files.get(target, b"") if append else b"") + out
            return b"", status
        return (b"" if target == "/dev/null" else out), status

    def _command(self, argv: list[str], root: bool) -> tuple[bytes, int]:
        if not argv:
            return b"", 0
        name, args = argv[0], argv[1:]
        if name in self.state.model.silent:
            return b"", SILENT
        handler = getattr(self, "_cmd_" + name.replace("-", "_").replace("[", "test"), None)
        if handler is None or name in self.state.model.missing:
            return f"/system/bin/sh: {name}: inaccessible or not found\n".encode(), 127
        result: tuple[bytes, int] = handler(args, root)
        return result

    # --- commands ------------------------------------------------------------------------------

    def _cmd_getprop(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if self.state.model.getprop_garbage:
            return b"\x00\xff\xfe[ro.product.model\x1b[0m: Pix\x00\xc3(\n]]]\x07garbage[[\n\xff" * 3, 0
        if args:
            return (self.props.get(args[0], "") + "\n").encode(), 0
        props = dict(self.props, **{"ro.bootmode": "recovery" if self.recovery else "normal"})
        return "".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())).encode(), 0

    def _cmd_settings(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if len(args) == 3 and args[0] == "get" and args[1] in self.state.settings:
            return (self.state.settings[args[1]].get(args[2], "null") + "\n").encode(), 0
        return b"usage: settings [--user <USER_ID>] get namespace key\n", 255

    def _cmd_dumpsys(self, args: list[str], root: bool) -> tuple[bytes, int]:
        what = args[0] if args else ""
        if what == "account":
            lines = ["User UserInfo{0:Owner:c13}:", f"  Accounts: {len(self.state.accounts)}"]
            lines += [f"    Account {{name={n}, type={t}}}" for n, t in self.state.accounts]
            lines += ["", "  Active Sessions: 0", ""]
        elif what == "device_policy":
            lines = ["Current Device Policy Manager state:", "  Immutable state:", "    mHasFeature=true"]
            if self.state.device_owner:
                pkg = self.state.device_owner.split("/")[0]
                lines += ["  Device Owner: ", f"    admin=ComponentInfo{{{self.state.device_owner}}}", "    name=",
                          f"    package={pkg}", "    isOrganizationOwnedDevice=true", "    User ID: 0", ""]
            if self.state.profile_owner:
                lines += ["  Profile Owner (User 10): ", f"    admin=ComponentInfo{{{self.state.profile_owner}}}", ""]
            lines += ["  Enabled Device Admins (User 0, provisioningState: 3):", ""]
        elif what == "battery":
            m = self.state.model
            lines = ["Current Battery Service state:", "  AC powered: false", "  USB powered: true",
                     "  status: 2", f"  health: {m.battery_health}", "  present: true", f"  level: {m.battery_level}",
                     "  scale: 100", "  voltage: 4012", "  temperature: 251", "  technology: Li-ion"]
        elif what == "iphonesubinfo" and self.state.model.imei:
            lines = ["Phone Subscriber Info:", f"  Device ID={self.state.model.imei}"]
        else:
            return f"Can't find service: {what}\n".encode(), 0
        return ("\n".join(lines) + "\n").encode(), 0

    def _cmd_service(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if args[:3] != ["call", "iphonesubinfo", "1"]:
            return b"service: Service " + " ".join(args[1:2]).encode() + b" does not exist\n", 0
        sdk = int(self.props.get("ro.build.version.sdk", "30"))
        imei = self.state.model.imei
        if imei is None or (sdk >= 29 and args[3:5] != ["s16", "com.android.shell"]):
            return _parcel(0xFFFFFFFF, "SecurityException: getDeviceId: The user 2000 does not meet the "
                           "requirements to access device identifiers."), 0
        return _parcel(0, imei), 0

    def _cmd_pm(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if args[:2] != ["list", "packages"]:
            return b"Error: unknown command\n", 1
        pkgs = list(self.state.packages_3p) if "-3" in args else ["android", "com.android.settings",
                                                                  *self.state.packages_3p]
        return "".join(f"package:{p}\n" for p in pkgs).encode(), 0

    def _cmd_find(self, args: list[str], root: bool) -> tuple[bytes, int]:
        base = (args[0] if args else "/").rstrip("/") + "/"
        found = [p for p in sorted(self.state.files) if p.startswith(base)]
        if base.startswith("/cache") and not root:
            return f"find: {base}: Permission denied\n".encode(), 1
        return "".join(p + "\n" for p in found).encode(), 0

    def _cmd_ls(self, args: list[str], root: bool) -> tuple[bytes, int]:
        paths = [a for a in args if not a.startswith("-")] or ["/"]
        out, status = b"", 0
        for path in paths:
            prefix = path.rstrip("/") + "/"
            children = sorted({p[len(prefix):].split("/")[0] for p in self.state.files if p.startswith(prefix)})
            if path in self.state.files or (children and "-d" in args):
                out += (path + "\n").encode()
            elif children:
                out += "".join(c + "\n" for c in children).encode()
            else:
                out += f"ls: {path}: No such file or directory\n".encode()
                status = 1
        return out, status

    def _cmd_cat(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if args and args[0] in self.state.files:
            return self.state.files[args[0]], 0
        return f"cat: {args[0] if args else ''}: No such file or directory\n".encode(), 1

    def _cmd_df(self, args: list[str], root: bool) -> tuple[bytes, int]:
        # toybox df: one line per mount, sizes in 1K blocks
        paths = [a for a in args if not a.startswith("-")] or ["/data"]
        kib = self.state.model.data_kib
        used = min(kib, 4 * sum(len(b) for b in self.state.files.values()) + 2_500_000)
        lines = ["Filesystem        1K-blocks     Used Available Use% Mounted on"]
        for path in paths:
            if not path.startswith("/data") and not path.startswith("/sdcard"):
                return f"df: {path}: No such file or directory\n".encode(), 1
            lines.append(f"/dev/block/dm-39 {kib:>12} {used:>8} {kib - used:>9} {100 * used // kib:>3}% /data")
        return ("\n".join(lines) + "\n").encode(), 0

    def _cmd_id(self, args: list[str], root: bool) -> tuple[bytes, int]:
        who = "uid=0(root) gid=0(root)" if root else "uid=2000(shell) gid=2000(shell)"
        return f"{who} groups=1004(input),1007(log),1011(adb),1015(sdcard_rw),3003(inet) context=u:r:shell:s0\n"\
            .encode(), 0

    def _cmd_echo(self, args: list[str], root: bool) -> tuple[bytes, int]:
        return (" ".join(args) + "\n").encode(), 0

    def _cmd_true(self, args: list[str], root: bool) -> tuple[bytes, int]:
        return b"", 0

    def _cmd_mkdir(self, args: list[str], root: bool) -> tuple[bytes, int]:
        return b"", 0 if root else 1

    def _cmd_su(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if not self.state.model.rooted:
            return b"/system/bin/sh: su: inaccessible or not found\n", 127
        if args and args[0] in ("0", "root"):
            args = args[1:]
        if args[:1] == ["-c"]:
            return self.run(" ".join(args[1:]), root=True)
        return self._command(args, True) if args else (b"", 0)

    def _cmd_sh(self, args: list[str], root: bool) -> tuple[bytes, int]:
        return self.run(" ".join(args[1:]), root) if args[:1] == ["-c"] else (b"", 0)

    def _cmd_am(self, args: list[str], root: bool) -> tuple[bytes, int]:
        action = args[args.index("-a") + 1] if "-a" in args and args.index("-a") + 1 < len(args) else ""
        if args[:1] != ["broadcast"] or action not in ("android.intent.action.FACTORY_RESET",
                                                       "android.intent.action.MASTER_CLEAR"):
            return b"Error: unsupported am command\n", 1
        if not root:
            return (f"Security exception: Permission Denial: not allowed to send broadcast {action} from "
                    "pid=4242, uid=2000\n").encode(), 255
        self.on_reboot("recovery", True)
        return f"Broadcasting: Intent {{ act={action} flg=0x400000 pkg=android }}\nBroadcast completed: result=0\n"\
            .encode(), 0

    def _cmd_reboot(self, args: list[str], root: bool) -> tuple[bytes, int]:
        if not root:
            return b"reboot: Operation not permitted\n", 1
        self.on_reboot(args[0] if args else "android", False)
        return b"", 0


def _parcel(status: int, text: str) -> bytes:
    """`service call` output: a String16 reply as Android's Parcel hex dump prints it."""
    units = [ord(c) for c in text] + [0]
    if len(units) % 2:
        units.append(0)
    words = [status, len(text)] + [units[i] | (units[i + 1] << 16) for i in range(0, len(units), 2)]
    lines = []
    for off in range(0, len(words), 4):
        chunk = words[off : off + 4]
        raw = b"".join(w.to_bytes(4, "little") for w in chunk)
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in raw)
        hexes = " ".join(f"{w:08x}" for w in chunk)
        lines.append(f"  0x{off * 4:08x}: {hexes:<35} '{ascii_:<16}'")
    return ("Result: Parcel(\n" + "\n".join(lines) + ")\n").encode()
