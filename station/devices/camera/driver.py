"""Camera driver for the device manager: V4L2 capture nodes, or a configured video source."""

from __future__ import annotations

from pathlib import Path

from station.config import Config
from station.devices.base import DeviceInfo
from station.devices.camera import v4l2
from station.devices.camera.capture import CameraSession, CaptureSettings


def settings_from(config: Config) -> CaptureSettings:
    return CaptureSettings(config["camera.width"], config["camera.height"], config["camera.fourcc"])


class CameraDriver:
    kind = "camera"

    def __init__(self, config: Config) -> None:
        self.choice = config.get_str("camera.device")
        self.settings = settings_from(config)

    def enumerate(self) -> list[DeviceInfo]:
        if self.choice not in ("auto", "") and Path(self.choice).is_file():  # a video file as the camera
            return [DeviceInfo("camera", f"file:{self.choice}", Path(self.choice).name, self.choice)]
        found = [DeviceInfo("camera", n.stable_id, n.label, n.path) for n in v4l2.capture_nodes()]
        if self.choice in ("auto", ""):
            return found[:1]
        return [d for d in found if self.choice in (d.path, d.id)]

    def open(self, info: DeviceInfo) -> CameraSession:
        return CameraSession(info, self.settings)


def real_factory(config: Config, _data_dir: Path) -> CameraDriver | None:
    return None if config["camera.device"] == "none" else CameraDriver(config)
