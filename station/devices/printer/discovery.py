"""Find ZPL printers on the local subnet (TCP 9100). Only ever run by an explicit user
action, never in the background: probing a network is something a person decides.

A host with the port open is asked `~HI` (host identification); a Zebra answers with its
model and firmware, anything else that listens on 9100 is listed without a model.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from station.devices.printer.zpl import HOST_IDENTIFY
from station.errors import UserFacingError
from station.i18n import _

MAX_HOSTS = 1024


@dataclass(frozen=True)
class Found:
    host: str
    port: int
    model: str  # '' when the host did not identify itself

    @property
    def printer_name(self) -> str:
        return f"zpl@tcp://{self.host}:{self.port}"


def _probe(host: str, port: int, timeout: float) -> Found | None:
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None
    model = ""
    try:
        sock.sendall(HOST_IDENTIFY)
        reply = b""
        while b"\x03" not in reply:
            chunk = sock.recv(256)
            if not chunk:
                break
            reply += chunk
        model = reply.split(b"\x02")[-1].split(b"\x03")[0].decode("ascii", "replace").split(",")[0].strip()
    except OSError:
        pass
    finally:
        sock.close()
    return Found(host, port, model)


def hosts(network: str) -> list[str]:
    try:
        net = ipaddress.ip_network(network.strip(), strict=False)
    except ValueError as exc:
        raise UserFacingError(_("'{network}' is not a network: write it like 192.168.1.0/24.").format(
                network=network)) from exc
    if net.num_addresses > MAX_HOSTS + 2:
        raise UserFacingError(_("{net} has {num_addresses} addresses; search at most a /22 ({MAX_HOSTS} "
                                "hosts) at a time.").format(
                net=net, num_addresses=net.num_addresses, MAX_HOSTS=MAX_HOSTS))
    found = [str(h) for h in net.hosts()]
    return found or [str(net.network_address)]


def discover(network: str, *, port: int = 9100, timeout: float = 0.4, workers: int = 64) -> list[Found]:
    """Printers listening on `port` in `network` (CIDR), sorted by address."""
    targets = hosts(network)
    with ThreadPoolExecutor(max_workers=min(workers, len(targets))) as pool:
        results = list(pool.map(lambda h: _probe(h, port, timeout), targets))
    return sorted((r for r in results if r), key=lambda f: ipaddress.ip_address(f.host))


def local_networks() -> list[str]:
    """This machine's IPv4 subnets (not loopback), to suggest in the search box."""
    ip = shutil.which("ip")
    if ip is None:
        return []
    try:
        out = subprocess.run([ip, "-j", "-4", "addr", "show"], capture_output=True, text=True, timeout=3, check=True)
        data = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
    nets = []
    for iface in data:
        if "LOOPBACK" in iface.get("flags", []):
            continue
        for addr in iface.get("addr_info", []):
            nets.append(str(ipaddress.ip_interface(f"{addr['local']}/{addr['prefixlen']}").network))
    return nets
