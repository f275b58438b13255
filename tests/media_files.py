"""Real image files made with Pillow for the media tests, and the S3 server they can run against."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size: tuple[int, int] = (4000, 3000), orientation: int = 6) -> bytes:
    """A 12-megapixel JPEG (4000 × 3000) with a GPS position and 'rotate 90° clockwise'."""
    img = Image.new("RGB", size, (200, 120, 40))
    img.paste((20, 40, 200), (0, 0, size[0] // 4, size[1] // 8))  # a mark in the top-left
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 26.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def png_with_transparency() -> bytes:
    img = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 32, 48))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def static_gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 10), 3).save(out, "GIF")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 200, 10)).save(out, "WEBP", quality=80)
    return out.getvalue()


def two_pixels() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 1), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, "JPEG", quality=90)
    data = out.getvalue()
    return data[: len(data) // 2]


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
TEXT_NAMED_JPG = b"Hello, this is a note, not a photo.\n"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 30_000) -> bytes:
    """A PNG header claiming *side* × *side* pixels whose data is a few highly compressed rows."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (side + 1) * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def has_gps(data: bytes) -> bool:
    """True when the image in *data* carries any GPS data (or any EXIF at all)."""
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or GPS_IFD in exif or "exif" in img.info


def banded_jpeg(size: tuple[int, int], edge: int) -> bytes:
    """A blue JPEG whose outer *edge* pixels on the long sides are red: what a centre crop cuts."""
    width, height = size
    img = Image.new("RGB", size, (220, 30, 30))
    if width >= height:
        img.paste((30, 60, 220), (edge, 0, width - edge, height))
    else:
        img.paste((30, 60, 220), (0, edge, width, height - edge))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()
