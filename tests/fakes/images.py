"""Image files made on the fly for media tests: photos that compress badly, EXIF, transparency."""

from __future__ import annotations

import functools
import io
from typing import Any

from PIL import Image

from planner.connectors.base import MediaItem

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(width: int, height: int, *, seed: int = 60) -> Image.Image:
    """Return an RGB image of noise: as hard to compress as a real photo, or harder."""
    grey = Image.effect_noise((width, height), seed)
    return Image.merge("RGB", [grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey])


@functools.cache
def jpeg(
    width: int,
    height: int,
    *,
    quality: int = 92,
    orientation: int | None = None,
    gps: bool = False,
) -> bytes:
    """Return a JPEG of *width* x *height* stored pixels, with EXIF orientation and GPS if asked."""
    image = photo(width, height)
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 1.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes() if len(exif) or gps else b"")
    return out.getvalue()


@functools.cache
def png_with_alpha(width: int, height: int) -> bytes:
    """Return an RGBA PNG of noise, half of it transparent."""
    image = photo(width, height).convert("RGBA")
    alpha = Image.new("L", (width, height), 255)
    alpha.paste(0, (0, 0, width // 2, height))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def small_png(width: int = 40, height: int = 30) -> bytes:
    """Return a tiny opaque PNG that every platform takes as it is."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    """Tell whether the image file carries any GPS EXIF data."""
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(GPS_IFD))


def media_item(
    alt: str = "A loaf on the counter", *, data: bytes | None = None, **fields: Any
) -> MediaItem:
    """Return a post's image as the worker hands it to a connector (a small PNG by default)."""
    values: dict[str, Any] = {"mime": "image/png", "width": 40, "height": 30, "alt": alt}
    values.update(fields)
    return MediaItem(data=small_png() if data is None else data, **values)
