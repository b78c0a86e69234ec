"""Find V4L2 capture nodes and give each a stable id.

/dev/videoN numbers change between boots and replugs; the id comes from
/dev/v4l/by-id (serial-based) when udev made it, else from the card name and bus.
"""

from __future__ import annotations

import fcntl
import os
import struct
from dataclasses import dataclass
from pathlib import Path

VIDIOC_QUERYCAP = 0x80685600
_CAP = struct.Struct("16s32s32sIII12x")  # struct v4l2_capability (104 bytes)
CAP_VIDEO_CAPTURE = 0x00000001
CAP_DEVICE_CAPS = 0x80000000


@dataclass(frozen=True)
class Capability:
    driver: str
    card: str
    bus_info: str
    capabilities: int
    device_caps: int

    @property
    def can_capture(self) -> bool:
        caps = self.device_caps if self.capabilities & CAP_DEVICE_CAPS else self.capabilities
        return bool(caps & CAP_VIDEO_CAPTURE)


def parse_capability(raw: bytes) -> Capability:
    driver, card, bus, _version, caps, dcaps = _CAP.unpack(raw[:_CAP.size])

    def text(b: bytes) -> str:
        return b.split(b"\0", 1)[0].decode("utf-8", "replace")

    return Capability(text(driver), text(card), text(bus), caps, dcaps)


def query(path: str) -> Capability:
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    try:
        buf = bytearray(_CAP.size)
        fcntl.ioctl(fd, VIDIOC_QUERYCAP, buf)
        return parse_capability(bytes(buf))
    finally:
        os.close(fd)


def by_id_names(by_id_dir: Path = Path("/dev/v4l/by-id")) -> dict[str, str]:
    """Real device path -> its by-id name, for the stable id."""
    names: dict[str, str] = {}
    if by_id_dir.is_dir():
        for link in sorted(by_id_dir.iterdir()):
            names.setdefault(os.path.realpath(link), link.name)
    return names


@dataclass(frozen=True)
class CaptureNode:
    path: str
    stable_id: str
    label: str


def capture_nodes(dev: Path = Path("/dev")) -> list[CaptureNode]:
    stable = by_id_names()
    nodes = []
    for node in sorted(dev.glob("video*"), key=lambda p: (len(p.name), p.name)):
        try:
            cap = query(str(node))
        except OSError:
            continue  # busy, gone, or not a V4L2 node
        if not cap.can_capture:
            continue  # metadata nodes: every UVC camera has one
        sid = stable.get(os.path.realpath(node)) or f"{cap.card}@{cap.bus_info}"
        nodes.append(CaptureNode(str(node), sid, cap.card or node.name))
    return nodes
