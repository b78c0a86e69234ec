"""After a cryptographic Purge the check samples like an overwrite's verification: the
first and last LBA and both samples of 1,000 subsections, fingerprinted before the erase.
The drive (a loop device) is scrambled by a "firmware" that leaves one small region as it
was: a few dozen random markers mostly miss it, the subsections never do."""

from __future__ import annotations

import os
import re
from pathlib import Path

from station.certs.result import Status
from station.devices.drive.parsers import parse_file
from station.erase import firmware
from tests.erase.test_firmware import ScriptedRunner, media_for, the_plan
from tests.erase.wipe_fixtures import Loop, LoopFactory, MiB

SIZE = 64 * MiB
KEPT = (40 * MiB, 256 * 1024)  # offset, length: 4 subsections' worth left unerased


def scramble_all_but_a_region(loop: Loop):  # type: ignore[no-untyped-def]
    def effect() -> None:
        fd = os.open(loop.path, os.O_WRONLY)
        try:
            for off in range(0, loop.size, MiB):
                chunk = bytearray(os.urandom(MiB))
                lo, hi = max(KEPT[0] - off, 0), min(KEPT[0] + KEPT[1] - off, MiB)
                if lo < hi:
                    with open(loop.backing, "rb") as fh:
                        fh.seek(off + lo)
                        chunk[lo:hi] = fh.read(hi - lo)
                os.pwrite(fd, bytes(chunk), off)
            os.fsync(fd)
        finally:
            os.close(fd)
    return effect


def test_a_region_the_firmware_left_is_found_by_the_subsection_sample(loops: LoopFactory, corpus: Path) -> None:
    loop = loops(SIZE)
    p = the_plan(parse_file(corpus / "hdparm" / "Crucial__Crucial_CT512MX100SSD1__1.txt"))
    assert p.method == "ata-sanitize-crypto"
    sectors = SIZE // 512
    runner = ScriptedRunner([
        (["hdparm", "-N"], 0, f"max sectors   = {sectors}/{sectors}, HPA is disabled", None),
        (["hdparm", "--dco-identify"], 0, f"Real max sectors: {sectors}", None),
        (["hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-crypto-scramble"], 0, "Issuing SANITIZE",
         scramble_all_but_a_region(loop)),
        (["hdparm", "--sanitize-status"], 0, "State: SD0 Sanitize Idle\nLast Sanitize Operation Completed "
                                             "Without Error", None),
    ])
    fc = firmware.FirmwareContext(loop.path, runner, poll_s=0)
    result = firmware.execute_plan(p, fc, media_for(loop), "J-region", marker_count=4)
    assert result.status is Status.FAILED and not result.sanitized
    found = re.search(r"(\d+) markers and (\d+) old sectors survived", result.reason)
    assert found and int(found.group(2)) >= 4, result.reason  # 2 samples in each subsection of the region
    assert "NOT erased" in result.reason
