"""A two-namespace NVMe controller: an erase that reaches every namespace is checked and claimed on all of them.

QEMU's controller (nvme + two nvme-ns) formats one namespace at a time (FNA bit 0 clear) and has no
Sanitize. So the station's Format must reach only the namespace chosen, which the host checks on
both images; and an erase with an all-namespaces effect (Format with FNA bit 0 set, or Sanitize) is
forced through the firmware engine to show that the guard checks and claims the sibling namespace too.
The whole `station wipe` of an NVMe drive, with its markers and sampling, is tests/vm/test_station_wipe.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.rig import disks as rig_disks
from tests.vm.conftest import NVME2NS_SERIAL, ROOT, VM_TIMEOUT, Bench

pytestmark = [pytest.mark.vm, pytest.mark.timeout(VM_TIMEOUT)]


@pytest.fixture(scope="module")
def namespaces(bench: Bench) -> list[str]:
    listing = json.loads(bench.vm.check("lsblk --json --nodeps -o PATH,SERIAL"))
    paths = sorted(d["path"] for d in listing["blockdevices"] if d.get("serial") == NVME2NS_SERIAL)
    assert len(paths) == 2 and [p[-2:] for p in paths] == ["n1", "n2"], listing
    return paths


@pytest.fixture
def holder(bench: Bench, namespaces: list[str]) -> Iterator[str]:
    """A process holding the second namespace open read-write, as a mounted filesystem or a VM would."""
    pid_file = "/tmp/ns2-holder.pid"
    bench.vm.check(f"setsid sh -c 'echo $$ > {pid_file}; exec 3<>{namespaces[1]}; exec sleep 900' "
                   "< /dev/null > /dev/null 2>&1 &")
    pid = bench.vm.check(f"for i in $(seq 100); do [ -s {pid_file} ] && break; sleep 0.1; done; cat {pid_file}")
    pid = pid.strip()
    yield pid
    bench.vm.run(f"kill {pid}; rm -f {pid_file}")


def _attempt(bench: Bench, path: str, method: str) -> dict[str, Any]:
    res = bench.vm.station_call("tests.vm.guest_calls:nvme_all_namespaces_attempt", path, method, path=str(ROOT))
    assert res.returncode == 0, res.stderr[-3000:]
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _seeded(bench: Bench) -> tuple[list[Any], list[int]]:
    images = bench.disk("nvme2ns").namespace_images()
    counts = [rig_disks.seed(image) for image in images]
    bench.forget_caches()
    return images, counts


@pytest.mark.usefixtures("holder")  # the sibling namespace is held open throughout
def test_qemu_formats_one_namespace_at_a_time_and_the_erase_touches_only_the_chosen_one(
        bench: Bench, namespaces: list[str]) -> None:
    images, counts = _seeded(bench)
    res = bench.vm.station_call("tests.vm.guest_calls:nvme_format_as_planned", namespaces[0], path=str(ROOT))
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert (out["fna"], out["format_all_namespaces"], out["method"]) == (0, False, "nvme-format-user-data"), out
    assert "Format applies per namespace on this controller: every namespace must be formatted." in out["warnings"]
    # The guard says Format reaches nsid 1 only, so the sibling held open does not stop it.
    assert out["targets"] == [namespaces[0]] and out["busy"] == [], out
    assert out["commands"] == [{"argv": ["nvme", "format", namespaces[0], "--ses=1", "--force"], "exit_code": 0}]
    # The host reads both images: the first namespace lost every seeded byte, the second kept every one.
    assert rig_disks.find_markers(images[0], counts[0]) == [] and rig_disks.leftover_sectors(images[0]) == []
    assert len(rig_disks.find_markers(images[1], counts[1])) == counts[1]
    assert len(rig_disks.leftover_sectors(images[1])) == images[1].stat().st_size // rig_disks.SECTOR


@pytest.mark.parametrize("method", ["nvme-format-user-data", "nvme-sanitize-block"])
def test_an_all_namespaces_erase_is_refused_while_the_other_namespace_is_in_use(
        bench: Bench, namespaces: list[str], holder: str, method: str) -> None:
    images, counts = _seeded(bench)
    out = _attempt(bench, namespaces[0], method)
    assert (out["probed"]["fna"], out["probed"]["format_all_namespaces"]) == (0, False), out["probed"]
    assert out["namespaces"] == namespaces, out
    assert out["status"] == "FAILED" and out["sanitized"] is False, out
    name = namespaces[1].removeprefix("/dev/")
    assert f"/dev/{name} " in out["reason"] and f"(pid {holder})" in out["reason"], out["reason"]
    assert "nothing was erased" in out["reason"]
    assert not [a for a in out["commands"] if a[:2] in (["nvme", "format"], ["nvme", "sanitize"])], out["commands"]
    for image, count in zip(images, counts, strict=True):
        assert len(rig_disks.find_markers(image, count)) == count  # nothing written, not even markers


def test_an_all_namespaces_sanitize_claims_and_lists_both_namespaces(bench: Bench, namespaces: list[str]) -> None:
    out = _attempt(bench, namespaces[0], "nvme-sanitize-block")
    assert out["namespaces"] == namespaces, out
    assert f"nvme-sanitize-block erases every namespace of the controller: {', '.join(namespaces)}." in out["notes"]
    # QEMU has no Sanitize: the command was sent (both namespaces held), and the device refused it.
    assert [a for a in out["commands"] if a[:2] == ["nvme", "sanitize"]], out["commands"]
    assert out["status"] == "FAILED" and out["reason"].startswith("unsupported by the device"), out["reason"]
