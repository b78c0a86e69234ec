"""Every setting, declared once: key, type, default and description.

Settings live in a TOML file (``station.toml`` in the data dir). Tables map to the
dotted prefix: ``[printer] host = "10.0.0.7"`` is the key ``printer.host``.
An unknown key or a wrong type is a ConfigError naming the file and the key.
Old files are brought forward by the versioned upgrade functions at the bottom.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.errors import ConfigError
from station.i18n import _

CONFIG_VERSION = 1


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    description: str
    secret: bool = False  # kept out of logs and `station config show`
    range: tuple[float, float] | None = None  # inclusive bounds of a number
    choices: tuple[str, ...] | None = None  # the only values a closed string setting takes

    def check(self, value: Any) -> str | None:
        """Why `value` (already of the right type) is out of bounds, or None."""
        if self.range is not None:
            low, high = self.range
            if not math.isfinite(value) or not low <= value <= high:
                shown = (lambda x: f"{x:g}") if self.type is float else (lambda x: str(int(x)))
                return f"must be between {shown(low)} and {shown(high)}"
        if self.choices is not None and value not in self.choices:
            return "must be one of " + ", ".join(repr(c) for c in self.choices)
        return None


_S = Setting
SETTINGS: tuple[Setting, ...] = (
    _S("config_version", int, CONFIG_VERSION, "Version of this file's layout; upgraded automatically.",
       range=(1, 1_000)),  # load() also refuses a version newer than CONFIG_VERSION
    # station identity
    _S("station.id", str, "", "Stable id of this bench; empty means derived from the host name."),
    _S("station.name", str, "", "Human name of this bench shown on labels and certificates."),
    _S("station.location", str, "", "Facility / room of this bench, printed on certificates."),
    _S("station.timezone", str, "", "IANA time zone for shifts and exports; empty means the system zone."),
    _S("station.demo", bool, False, "Force demo mode with simulated devices."),
    _S("ui.language", str, "", "Language of the interface: en, es or pl; empty means the desktop's (LANG).",
       choices=("", "en", "es", "pl")),
    _S("station.theme", str, "standard", "Screen colours: standard, or high-contrast (black on white, thick focus "
       "frames) for low vision or a bright room.", choices=("standard", "high-contrast")),
    _S("site.language", str, "en", "Language of printed labels and certificates (the site's, whoever is at the bench): "
       "en, es or pl. Certificates keep each standard field's English name beside it.", choices=("en", "es", "pl")),
    # organisation on certificates
    _S("org.name", str, "", "Organisation performing sanitization (certificate)."),
    _S("org.phone", str, "", "Contact phone printed on certificates."),
    _S("org.address", str, "", "Postal address printed on certificates."),
    _S("org.logo", str, "", "Path to a PNG logo for certificate PDFs."),
    # certificates of sanitization (the NIST SP 800-88 Rev. 1 Appendix G record fields not known per job)
    _S("cert.performer_title", str, "Technician", "Title of the person performing sanitization."),
    _S("cert.validator_name", str, "", "Second person validating certificates; empty: certificates say not validated."),
    _S("cert.validator_title", str, "Supervisor", "Title of the person validating certificates."),
    _S("cert.require_validation", bool, False, "The site requires second-person validation: certificates stay "
       "PENDING until a different operator signs them with their PIN ('station cert validate')."),
    _S("cert.customer_name", str, "", "Customer whose media is sanitized (media source when the unit has none)."),
    _S("cert.customer_logo", str, "", "Path to the customer's PNG/JPEG logo for certificate PDFs."),
    _S("cert.media_classification", str, "Unclassified", "Confidentiality category of the media before."),
    _S("cert.post_classification", str, "Unclassified", "Classification of the media after sanitization."),
    _S("cert.data_backed_up", str, "Unknown", "Was the data backed up before sanitization: Yes, No or Unknown.",
       choices=("Yes", "No", "Unknown")),
    _S("cert.backup_location", str, "", "Where the backup is, when there is one."),
    _S("cert.media_destination", str, "Reuse / resale", "Where sanitized media goes (Appendix G media destination)."),
    _S("cert.verify_url", str, "", "The site's public certificate check, the hub's /verify address ('station hub "
       "sites' lists it); the QR code then opens <url>/<certificate id>. The address the hub hands down for "
       "this station's site takes precedence. Empty: it carries the id and hash."),
    # scanner
    _S("scanner.port", str, "auto", "Serial scanner port (/dev/serial/by-id/...), 'auto', or 'none'."),
    _S("scanner.baudrate", int, 9600, "Serial scanner baud rate.", range=(300, 921600)),
    _S("scanner.wedge_prefix", str, "", "Characters a keyboard-wedge scanner sends before a scan (e.g. STX)."),
    _S("scanner.wedge_suffix", str, "\r", "Characters a keyboard-wedge scanner sends after a scan."),
    _S("scanner.wedge_max_gap_ms", int, 35, "Longest gap between keys still counted as one scan.", range=(5, 1000)),
    _S("scanner.wedge_min_length", int, 6, "Shortest fast key burst taken as a scan.", range=(1, 200)),
    _S("scanner.asset_tag_pattern", str, r"^AT-?\d{5,10}$", "Regular expression for asset tags."),
    _S("scanner.badge_pattern", str, r"^OP-?\d{3,8}$", "Regular expression for operator badges."),
    _S("scanner.lot_pattern", str, r"^(LOT|PAL|BIN)-?[A-Z0-9-]{2,20}$",
       "Regular expression for lot/pallet/bin labels."),
    _S("scanner.wedge_enabled", bool, True, "Watch the keyboard for wedge scans (fast key bursts wait up to the gap)."),
    _S("scanner.sound", bool, True, "Play a tone per scan verdict (good/bad/repeat) when an audio device exists."),
    _S("scanner.demo_interval_s", float, 0.0, "Seconds between random scans of the demo's simulated scanner; "
       "0 (the default) leaves the scanning to the technician.",
       range=(0.0, 3600.0)),
    # operators
    _S("operators.max_pin_attempts", int, 5, "Wrong PINs before an operator is locked out.", range=(1, 100)),
    _S("operators.lockout_minutes", int, 15, "How long a lockout lasts.", range=(1, 1440)),
    # intake
    _S("intake.return_categories", str, "customer return,retail return,B2B return,trade-in,end of lease,warranty,"
       "overstock", "Return categories offered at intake, comma separated."),
    _S("intake.return_reasons", str, "poor sales,shipping error,delivery refusal,product failure,damaged in transit,"
       "wrong item,changed mind,upgrade,other", "Reasons for return offered at intake, comma separated."),
    # grading and routing
    _S("grading.matrix_dir", str, "", "Folder of grading matrices; empty means the shipped ones."),
    _S("grading.override_supervisor_only", bool, True, "Only supervisors may override a computed grade."),
    _S("disposition.rules_file", str, "", "Disposition rules file; empty means the shipped one."),
    _S("costs.site", str, "", "Site whose figures of the cost table (labour rates, handling, inspection) this "
       "bench uses; empty means the table's defaults."),
    # photos
    _S("camera.device", str, "auto", "Camera: /dev/videoN, a stable id, a video file, 'auto' or 'none'."),
    _S("camera.width", int, 1280, "Capture width in pixels.", range=(160, 7680)),
    _S("camera.height", int, 720, "Capture height in pixels.", range=(120, 4320)),
    _S("camera.fourcc", str, "MJPG", "Capture format requested from the camera."),
    _S("camera.blur_threshold", float, 100.0, "Variance of the Laplacian below which a photo is blurred.",
       range=(0.0, 100000.0)),
    # wipe
    _S("wipe.default_method", str, "clear", "Method offered by default in the wipe panel."),
    _S("wipe.default_verify", str, "sample", "Verification offered by default: full, sample or none.",
       choices=("full", "sample", "none")),
    _S("wipe.block_mib", int, 4, "Overwrite and read-back block size in MiB (at least 4).", range=(4, 1024)),
    _S("wipe.sample_percent", float, 10.0, "Share of the media read back by sampled verification (10-100).",
       range=(10.0, 100.0)),
    _S("wipe.io_retries", int, 3, "Retries of a failed block before its range is recorded as bad.", range=(0, 100)),
    _S("wipe.helper", str, "", "Privileged wipe helper command (pkexec ...); empty: workers run as this user."),
    _S("erase.profiles_dir", str, "", "Folder of firmware profiles (TOML); empty means the shipped ones."),
    _S("erase.firmware_markers", int, 64, "Random markers written before a firmware erase and checked after it.",
       range=(1, 4096)),
    _S("erase.unfreeze", str, "ask", "Frozen ATA drive: 'ask' the operator, 'suspend' (rtcwake) or 'replug'.",
       choices=("ask", "suspend", "replug")),
    # phones
    _S("phone.adb_path", str, "adb", "The adb client to use."),
    _S("phone.block_on_mdm", bool, True, "Block the erase of a phone with a device owner / MDM (else warn)."),
    _S("phone.adb_server_port", int, 0, "Port of the adb server the station uses; 0 means adb's default (5037).",
       range=(0, 65535)),
    _S("phone.demo_server_port", int, 0, "Port of demo mode's private adb server; 0 picks a free one per run.",
       range=(0, 65535)),
    _S("phone.demo_step_s", float, 1.5, "Demo mode only: seconds each step of a demo phone's reset takes (a reboot, "
       "the wipe, the technician's choice in recovery); lower it to run the scripted demo faster.",
       range=(0.05, 60.0)),
    _S("phone.command_timeout_s", float, 15.0, "Seconds one adb command may take before the phone is reported hung.",
       range=(0.1, 3600.0)),
    _S("phone.boot_timeout_s", float, 180.0, "Seconds a rebooting phone may stay away before the technician is asked.",
       range=(0.1, 3600.0)),
    _S("phone.reset_timeout_s", float, 900.0, "Seconds a factory reset may take before it is reported as stuck.",
       range=(0.1, 7200.0)),
    _S("phone.poll_interval_s", float, 1.0, "Seconds between looks at a phone's state while it reboots.",
       range=(0.01, 60.0)),
    _S("phone.settle_s", float, 6.0, "Seconds a phone may stay in recovery after the technician says it rebooted.",
       range=(0.0, 600.0)),
    _S("phone.min_battery_percent", int, 20, "Below this charge a phone is flagged: charge it before the reset.",
       range=(0, 100)),
    # printer
    _S("printer.kind", str, "none", "Label printer language: escpos, zpl or none.", choices=("escpos", "zpl", "none")),
    _S("printer.connection", str, "", "tcp://host:9100, usb:VID:PID (ESC/POS), serial:/dev/ttyUSB0[:baud] or "
       "file:/dev/usb/lp0."),
    _S("printer.profile", str, "TM-L90", "python-escpos printer profile: gives the dot width and DPI."),
    _S("printer.dpi", int, 203, "Resolution of a ZPL printer (203 or 300); ESC/POS takes it from the profile.",
       range=(100, 600)),
    _S("printer.timeout_s", float, 3.0, "Seconds before an unanswered printer is reported offline.",
       range=(0.1, 120.0)),
    _S("printer.retry_s", float, 30.0, "Seconds between retries of queued labels while the app runs.",
       range=(1.0, 3600.0)),
    _S("label.layout", str, "2x1in", "Label layout used by default."),
    _S("label.layout_dir", str, "", "Folder of extra layouts (*.toml); one there overrides a shipped one."),
    _S("label.auto_print", bool, True, "Print the grade label when a unit is finished."),
    # sync
    _S("sync.hub_url", str, "", "Hub URL (https://hub.example:8443); empty disables sync."),
    _S("sync.token", str, "", "This station's hub token.", secret=True),
    _S("sync.reader_token", str, "", "A hub reader token, for supervisors' exports across stations "
       "(or STATION_HUB_READER_TOKEN).", secret=True),
    _S("sync.verify_tls", bool, True, "Verify the hub's TLS certificate."),
    _S("sync.hub_fingerprint", str, "", "The hub's certificate fingerprint (sha256:..., printed by "
       "`station hub serve`); when set, exactly that certificate is trusted."),
    _S("sync.allow_insecure", bool, False, "Allow plain http or an unverified hub: the token and records then "
       "cross the network unprotected."),
    _S("sync.batch_size", int, 500, "Events per upload batch.", range=(1, 10000)),
    _S("sync.ca_file", str, "", "PEM file of the CA that signed the hub's certificate; empty means the system's."),
    _S("sync.interval_s", float, 30.0, "Seconds between sync passes while the hub is reachable.", range=(1.0, 86400.0)),
    _S("hub.database_url", str, "", "Hub only: postgresql://user:password@host/db (or STATION_HUB_DATABASE_URL).",
       secret=True),
    _S("hub.host", str, "127.0.0.1", "Hub only: address `station hub serve` listens on."),
    _S("hub.port", int, 8750, "Hub only: TCP port `station hub serve` listens on.", range=(1, 65535)),
    _S("hub.console_refresh_s", int, 10, "Hub only: seconds between the web console dashboard's refreshes of its "
       "figures.", range=(1, 3600)),
    _S("hub.s3_endpoint", str, "", "Hub only: URL of the S3-compatible object storage for photos and PDFs "
       "(https://s3.example:9000); empty means the hub takes no files."),
    _S("hub.s3_bucket", str, "", "Hub only: the bucket photos and PDFs go to; made on first start if missing."),
    _S("hub.s3_prefix", str, "", "Hub only: key prefix inside the bucket, to share one bucket between hubs."),
    _S("hub.s3_region", str, "us-east-1", "Hub only: the object storage's region (most non-AWS services ignore it)."),
    _S("hub.s3_access_key", str, "", "Hub only: access key id for the object storage.", secret=True),
    _S("hub.s3_secret_key", str, "", "Hub only: secret key for the object storage.", secret=True),
    # supervisor
    _S("shift.boundaries", str, "06:00,14:00,22:00", "Shift start times, comma separated, local time."),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}

# Upgrade functions: version N -> N+1, applied in order to the flat dict.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _flatten(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flatten(v, key + ".")
        else:
            yield key, v


def _coerce(path: Path, setting: Setting, value: Any) -> Any:
    want = setting.type
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if want is bool and not isinstance(value, bool):
        raise ConfigError(_("{path}: '{key}' must be true or false, not {value!r}.").format(
                path=path, key=setting.key, value=value))
    if want is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(_("{path}: '{key}' must be a whole number, not {value!r}.").format(
                path=path, key=setting.key, value=value))
    if not isinstance(value, want):
        raise ConfigError(_("{path}: '{key}' must be {name}, not {value!r}.").format(
                path=path, key=setting.key, name=want.__name__, value=value))
    problem = setting.check(value)
    if problem:
        raise ConfigError(_("{path}: '{key}' {problem}, not {value!r}.").format(
                path=path, key=setting.key, problem=problem, value=value))
    return value


class Config:
    """The effective settings: defaults overlaid by the TOML file."""

    def __init__(self, values: dict[str, Any] | None = None, path: Path | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = {s.key: s.default for s in SETTINGS}
        if values:
            for key, value in values.items():
                self.set(key, value)

    def __getitem__(self, key: str) -> Any:
        if key not in BY_KEY:
            raise KeyError(f"undeclared setting {key!r}")
        return self._values[key]

    def get(self, key: str) -> Any:
        return self[key]

    # Typed reads: the declared type is checked once here, so call sites need no casts.
    def _typed(self, key: str, want: type) -> Any:
        setting = BY_KEY.get(key)
        if setting is None:
            raise KeyError(f"undeclared setting {key!r}")
        if setting.type is not want:
            raise TypeError(f"setting {key!r} is declared {setting.type.__name__}, not {want.__name__}")
        return self._values[key]

    def get_int(self, key: str) -> int:
        return int(self._typed(key, int))

    def get_float(self, key: str) -> float:
        return float(self._typed(key, float))

    def get_str(self, key: str) -> str:
        return str(self._typed(key, str))

    def get_bool(self, key: str) -> bool:
        return bool(self._typed(key, bool))

    def set(self, key: str, value: Any) -> None:
        setting = BY_KEY.get(key)
        where = self.path or Path("<settings>")
        if setting is None:
            raise ConfigError(_("{where}: unknown setting '{key}'. Remove it or check its spelling.").format(
                    where=where, key=key))
        self._values[key] = _coerce(where, setting, value)

    def raw_items(self) -> Iterator[tuple[str, Any]]:
        """Every setting with its real value (secrets included): for writing the file back."""
        yield from ((s.key, self._values[s.key]) for s in SETTINGS)

    def items(self) -> Iterator[tuple[str, Any]]:
        for s in SETTINGS:
            yield s.key, ("********" if s.secret and self._values[s.key] else self._values[s.key])

    @classmethod
    def load(cls, path: Path, base: Path | None = None) -> Config:
        """Read `path` (absent means all defaults), over `base` when given: an installed bench reads IT's
        /etc/triage-station/station.toml first, then the data dir's own file. Errors name the file and the key."""
        config = cls(path=path)
        for source in (base, path):
            if source is not None:
                config.path = source  # errors name the file the key came from
                for key, value in _read_flat(source).items():
                    config.set(key, value)
        config.path = path
        return config


def _read_flat(path: Path) -> dict[str, Any]:
    """The settings of one file, upgraded to CONFIG_VERSION; {} when it does not exist."""
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("{path}: not valid TOML ({exc}). Fix the file or move it aside.").format(
                path=path, exc=exc)) from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(_("{path}, line {line}: not UTF-8 text (byte 0x{byte:02x}); save the file as "
                            "UTF-8.").format(path=path, line=line, byte=exc.object[exc.start])) from exc
    except OSError as exc:
        raise ConfigError(_("{path}: cannot be read ({strerror}).").format(path=path, strerror=exc.strerror)) from exc
    flat = dict(_flatten(raw))
    version = flat.get("config_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(_("{path}: 'config_version' must be a whole number from 1 to {CONFIG_VERSION}, "
                            "not {version!r}. Set it to {CONFIG_VERSION}, or remove the line.").format(
                path=path, CONFIG_VERSION=CONFIG_VERSION, version=version))
    if version > CONFIG_VERSION:
        raise ConfigError(
            _("{path}: config_version {version!r} is newer than this station understands "
              "({CONFIG_VERSION}). Update the station software.").format(
                    path=path, version=version, CONFIG_VERSION=CONFIG_VERSION)
        )
    while version < CONFIG_VERSION:
        flat = UPGRADES[version](flat)
        version += 1
    flat["config_version"] = CONFIG_VERSION
    return flat
