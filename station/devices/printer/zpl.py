"""ZPL: a label bitmap as one ^GFA graphic field, and the ~HS host status reply.

^GFA data uses Zebra's ASCII compression: a repeat count in letters (G-Y = 1-19,
g-z = 20-400) before a hex digit, ',' to fill the rest of a row with 0, '!' with 1,
and ':' to repeat the previous row. Label rows are mostly white, so a 4x6 in job
shrinks about tenfold and goes out in a fraction of the time.
"""

from __future__ import annotations

from PIL import Image

HOST_STATUS = b"~HS"
HOST_IDENTIFY = b"~HI"


def _count_code(n: int) -> str:
    """Zebra repeat-count letters for n (n >= 2)."""
    out = "z" * (n // 400)
    n %= 400
    if n >= 20:
        out += chr(ord("f") + n // 20)
        n %= 20
    if n:
        out += chr(ord("F") + n)
    return out


def _compress_row(row: str) -> str:
    stripped = row.rstrip("0")
    tail = ","
    if not stripped:
        return ","
    if len(stripped) == len(row):
        stripped, tail = row.rstrip("F"), "!"
        if len(stripped) == len(row):
            tail = ""
        if not stripped:
            return "!"
    out, i = [], 0
    while i < len(stripped):
        j = i
        while j < len(stripped) and stripped[j] == stripped[i]:
            j += 1
        run = j - i
        out.append((_count_code(run) if run > 1 else "") + stripped[i])
        i = j
    return "".join(out) + tail


def gfa(img: Image.Image) -> str:
    """`^GFA,total,total,row_bytes,data` for a mode-1 bitmap (black = printed dot)."""
    # ZPL: bit 1 = dot; PIL mode 1: 0 = black. Invert through 'L' so any non-zero pixel counts as white.
    bits = img.convert("L").point(lambda v: 0 if v else 255).convert("1", dither=Image.Dither.NONE).tobytes()
    row_bytes = (img.width + 7) // 8
    rows, prev = [], None
    for r in range(img.height):
        hexrow = bits[r * row_bytes:(r + 1) * row_bytes].hex().upper()
        rows.append(":" if hexrow == prev else _compress_row(hexrow))
        prev = hexrow
    total = row_bytes * img.height
    return f"^GFA,{total},{total},{row_bytes},{''.join(rows)}"


def build_job(img: Image.Image, *, copies: int = 1) -> bytes:
    """One label: print width and length in dots, the bitmap at the home position."""
    return (
        f"^XA^PW{img.width}^LL{img.height}^LH0,0^FO0,0{gfa(img)}^FS^PQ{copies}^XZ\r\n"
    ).encode("ascii")


def _frames(text: str) -> list[list[str]]:
    """The STX ... ETX framed strings of a reply, split into fields."""
    out = []
    for chunk in text.split("\x02")[1:]:
        out.append(chunk.split("\x03")[0].strip().split(","))
    return out


def host_status_complete(reply: bytes) -> bool:
    return reply.count(b"\x03") >= 3


def status_problem(reply: bytes) -> str | None:
    """The problem ~HS reports as the end of a sentence; None when the printer is ready.

    String 1: aaa,b,c,... with b = paper out, c = pause. String 2: mmm,n,o,p,... with
    o = head up (open), p = ribbon out.
    """
    frames = _frames(reply.decode("ascii", "replace"))
    if len(frames) < 2 or len(frames[0]) < 3 or len(frames[1]) < 4:
        return "answered with a status this station does not understand: check it speaks ZPL"
    first, second = frames[0], frames[1]
    if first[1] == "1":
        return "is out of labels: load a new roll"
    if second[2] == "1":
        return "has its print head open: close it"
    if second[3] == "1":
        return "is out of ribbon: load a ribbon"
    if first[2] == "1":
        return "is paused: press its pause button to resume"
    return None
