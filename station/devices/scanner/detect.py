"""Auto-detect serial barcode scanners through pyudev (scanner.port = 'auto').

Reads the USB vendor id and the product strings straight from sysfs attributes, which
also works in containers without udevd (where every ID_* property is None). A port is
named by its /dev/serial/by-id link when udev made one: that path survives replugging
into another USB socket, /dev/ttyACM0 does not.
"""

from __future__ import annotations

import logging

import pyudev

from station.devices.base import DeviceInfo

log = logging.getLogger(__name__)

# USB vendors that make (almost) nothing but scanners in CDC serial mode.
SCANNER_VENDORS = {
    "0c2e": "Honeywell",  # Metrologic / Hand Held Products
    "05e0": "Zebra",  # Symbol Technologies
    "05f9": "Datalogic",
    "1eab": "Newland",
    "065a": "Opticon",
    "1a86:e026": "Netum",  # a CH340-based scanner; the bare CH340 id is a generic adapter
}
_WORDS = ("scanner", "barcode", "bar code", "imager", "scan engine")


def is_scanner(vendor_id: str, product_id: str, manufacturer: str, product: str) -> bool:
    vid, pid = vendor_id.lower(), product_id.lower()
    if vid in SCANNER_VENDORS or f"{vid}:{pid}" in SCANNER_VENDORS:
        return True
    text = f"{manufacturer} {product}".lower()
    return any(word in text for word in _WORDS)


def _attr(device: pyudev.Device, name: str) -> str:
    try:
        return device.attributes.asstring(name).strip()
    except (KeyError, UnicodeDecodeError, OSError):
        return ""


def find_scanners(context: pyudev.Context | None = None) -> list[DeviceInfo]:
    context = context or pyudev.Context()
    found: list[DeviceInfo] = []
    for tty in context.list_devices(subsystem="tty"):
        usb = tty.find_parent("usb", "usb_device")
        if usb is None or not tty.device_node:
            continue
        vid, pid = _attr(usb, "idVendor"), _attr(usb, "idProduct")
        maker, product, serial = _attr(usb, "manufacturer"), _attr(usb, "product"), _attr(usb, "serial")
        if not is_scanner(vid, pid, maker, product):
            continue
        by_id = next((link for link in tty.device_links if link.startswith("/dev/serial/by-id/")), None)
        stable = by_id or f"usb-{vid}:{pid}-{serial or tty.sys_name}"
        label = f"{maker or SCANNER_VENDORS.get(vid, 'USB')} {product or 'scanner'}".strip()
        found.append(DeviceInfo("scanner", stable, label, path=by_id or tty.device_node,
                                details={"vendor_id": vid, "product_id": pid, "serial": serial,
                                         "sys_path": tty.sys_path}))
    log.debug("scanner auto-detect found %d", len(found))
    return found
