"""Byte transports to a label printer. Every byte goes through Transport.write()/read(),
which log it; each failure becomes one DeviceError sentence naming the printer.

- TcpTransport: raw TCP (port 9100), for ZPL.
- DeviceFileTransport: a printer device file (/dev/usb/lp0) or a plain file, non-blocking
  with a deadline, so a stalled USB printer cannot hang the caller.
- EscposBackendTransport: python-escpos's own Network/Usb/Serial/File backends.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import time
from typing import Any

from typing_extensions import override

from station.devices.base import Transport
from station.devices.printer.connection import PrinterSpec
from station.errors import DeviceError
from station.i18n import _


def _timeout_error(spec: PrinterSpec, timeout: float) -> DeviceError:
    return DeviceError(_("{where} did not answer in {timeout:g} s: check it is switched on, online and not "
                         "paused.").format(where=spec.where, timeout=timeout))


def _closed_error(spec: PrinterSpec) -> DeviceError:
    return DeviceError(_("{where} closed the connection mid-job: check the printer's display for an error, "
                         "then retry.").format(where=spec.where))


def socket_error(spec: PrinterSpec, exc: BaseException, timeout: float, *, connecting: bool) -> DeviceError:
    """One sentence for a socket failure, by what it means for the technician."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return _timeout_error(spec, timeout)
    if isinstance(exc, ConnectionRefusedError):
        return DeviceError(_("{where} refused the connection: check it is switched on and that the address "
                             "and port in the printer settings are right.").format(where=spec.where))
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return _closed_error(spec)
    if isinstance(exc, socket.gaierror):
        return DeviceError(_("{where}: the name '{target}' is unknown. Check the printer address.").format(
                where=spec.where, target=spec.target))
    what = "cannot be reached" if connecting else "failed"
    reason = os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc)
    return DeviceError(_("{where} {what} ({reason}): check the cable or network and the address in the "
                         "printer settings.").format(where=spec.where, what=what, reason=reason))


class TcpTransport(Transport):
    can_read = True

    def __init__(self, spec: PrinterSpec, timeout: float) -> None:
        self.spec, self.timeout, self.name = spec, timeout, spec.name
        try:
            self.sock = socket.create_connection((spec.target, spec.port), timeout=timeout)
        except OSError as exc:
            raise socket_error(spec, exc, timeout, connecting=True) from exc
        # The status query after the job is a few bytes: without this, Nagle holds it back
        # until the job's last segment is acknowledged (a 40 ms delayed ACK per label).
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _write(self, data: bytes) -> int:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise socket_error(self.spec, exc, self.timeout, connecting=False) from exc
        return len(data)

    def _read(self, size: int) -> bytes:
        try:
            data = self.sock.recv(size)
        except OSError as exc:
            raise socket_error(self.spec, exc, self.timeout, connecting=False) from exc
        if not data:
            raise _closed_error(self.spec)
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class DeviceFileTransport(Transport):
    """A printer device file (usblp gives /dev/usb/lpN), opened non-blocking."""

    def __init__(self, spec: PrinterSpec, timeout: float) -> None:
        self.spec, self.timeout, self.name = spec, timeout, spec.name
        path = spec.target
        flags = os.O_NONBLOCK | os.O_NOCTTY
        try:
            try:
                self.fd = os.open(path, os.O_RDWR | flags)
                self.can_read = not os.path.isfile(path)
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EPERM, errno.EINVAL, errno.EISDIR):
                    raise
                self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | flags, 0o644)
                self.can_read = False
        except FileNotFoundError as exc:
            raise DeviceError(_("No printer at {path}: check the USB cable and that the printer is on.").format(
                    path=path)) from exc
        except PermissionError as exc:
            raise DeviceError(_("No permission to write to {path}: install the station's udev rules "
                                "(installer) or add this user to the 'lp' group.").format(path=path)) from exc
        except OSError as exc:
            raise DeviceError(_("{where} cannot be opened ({strerror}).").format(
                    where=spec.where, strerror=exc.strerror)) from exc

    def _wait(self, event: int) -> None:
        poller = select.poll()
        poller.register(self.fd, event)
        if not poller.poll(self.timeout * 1000):
            raise _timeout_error(self.spec, self.timeout)

    def _write(self, data: bytes) -> int:
        view, deadline = memoryview(data), time.monotonic() + self.timeout
        while view:
            try:
                n = os.write(self.fd, view)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _timeout_error(self.spec, self.timeout) from None
                self._wait(select.POLLOUT)
                continue
            except OSError as exc:
                raise DeviceError(_("{where} stopped taking data ({strerror}): check the cable and power.").format(
                        where=self.spec.where, strerror=exc.strerror)) from exc
            view = view[n:]
            deadline = time.monotonic() + self.timeout  # progress: the printer is alive
        return len(data)

    def _read(self, size: int) -> bytes:
        self._wait(select.POLLIN)
        try:
            data = os.read(self.fd, size)
        except OSError as exc:
            raise DeviceError(_("{where} could not be read ({strerror}).").format(
                    where=self.spec.where, strerror=exc.strerror)) from exc
        if not data:
            raise _closed_error(self.spec)
        return data

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class EscposBackendTransport(Transport):
    """python-escpos's backend for the connection; bytes still pass through write()/read()."""

    def __init__(self, spec: PrinterSpec, timeout: float, profile: str) -> None:
        from escpos import printer as backends

        self.spec, self.timeout, self.name = spec, timeout, spec.name
        dev: Any
        if spec.scheme == "tcp":
            dev = backends.Network(spec.target, spec.port, timeout=timeout, profile=profile)
        elif spec.scheme == "usb":
            vid, pid = (int(p, 16) for p in spec.target.split(":"))
            dev = backends.Usb(vid, pid, timeout=int(timeout * 1000), profile=profile)
        elif spec.scheme == "serial":
            dev = backends.Serial(spec.target, baudrate=spec.baudrate, timeout=timeout, profile=profile)
        else:
            dev = backends.File(spec.target, profile=profile, auto_flush=True)
        self.can_read = spec.scheme != "file"
        self.dev = dev
        try:
            dev.open()
        except Exception as exc:  # escpos wraps the OSError; its context says what failed
            cause = exc.__cause__ or exc.__context__
            if spec.scheme == "tcp" and isinstance(cause, OSError):
                raise socket_error(spec, cause, timeout, connecting=True) from exc
            raise DeviceError(_("{where} cannot be opened: check the cable and power ({why}).").format(
                    where=spec.where, why=str(exc).splitlines()[0])) from exc
        if spec.scheme == "tcp":
            dev.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as in TcpTransport

    def _write(self, data: bytes) -> int:
        try:
            self.dev._raw(data)
        except OSError as exc:
            raise socket_error(self.spec, exc, self.timeout, connecting=False) from exc
        except Exception as exc:  # pyusb/pyserial errors
            raise DeviceError(_("{where} stopped taking data ({exc}): check the cable and power.").format(
                    where=self.spec.where, exc=exc)) from exc
        return len(data)

    @override
    def _read(self, size: int) -> bytes:
        try:
            if self.spec.scheme == "serial":  # pyserial's read(16) would wait out the timeout for 1 byte
                ser = self.dev.device
                data = bytes(ser.read(1))
                data += bytes(ser.read(ser.in_waiting)) if data and ser.in_waiting else b""
            else:
                data = bytes(self.dev._read())
        except OSError as exc:
            raise socket_error(self.spec, exc, self.timeout, connecting=False) from exc
        except Exception as exc:
            raise _timeout_error(self.spec, self.timeout) from exc
        if not data:
            if self.spec.scheme == "tcp":
                raise _closed_error(self.spec)
            raise _timeout_error(self.spec, self.timeout)
        return data

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead connection must not hide the real error
            self.dev.close()


def open_transport(spec: PrinterSpec, timeout: float, profile: str) -> Transport:
    if spec.protocol == "escpos":
        return EscposBackendTransport(spec, timeout, profile)
    if spec.scheme == "tcp":
        return TcpTransport(spec, timeout)
    return DeviceFileTransport(spec, timeout)
