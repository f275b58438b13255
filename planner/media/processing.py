"""Turn an uploaded file into an image safe to store and send, or refuse it with a clear reason.

The content is sniffed by Pillow, never trusted from the file name or the client's type. Bombs
are stopped by the byte limit and a pixel limit checked before any pixels are decoded. EXIF
orientation is applied, then every piece of metadata (GPS included) is left behind.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name -> (MIME type, file extension) of the formats planner accepts.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
EXTENSIONS = {mime: ext for mime, ext in FORMATS.values()}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
THUMB_SIZE = (400, 400)
THUMB_MIME = "image/webp"
# What survives the re-encoding: transparency, and the colour profile (it says how to show
# the pixels, nothing about who took them or where).
_KEPT_INFO = ("transparency", "icc_profile")


class MediaError(ValueError):
    """An upload planner will not store; ``message`` says why in one plain sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Processed:
    """A cleaned image ready to store, with its thumbnail (WebP) and facts about it."""

    data: bytes
    mime: str
    width: int
    height: int
    thumbnail: bytes
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.mime]


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in head


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    """Open and fully decode *data*, refusing what is not an accepted, sane, still image.

    Returns the image and its format's name (one of ``FORMATS``).
    """
    if _looks_like_svg(data):
        raise MediaError("SVG images are not accepted (they can carry scripts); upload a PNG.")
    too_many = f"the most planner accepts is {max_pixels:,} pixels in all."
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            # Pillow's own guard fired while reading the header: far too many pixels.
            raise MediaError(f"The image has too many pixels; {too_many}") from None
        except UnidentifiedImageError:
            img = None
        fmt = img.format if img is not None else None
        if img is None or fmt is None or fmt not in FORMATS:
            raise MediaError("This file is not a JPEG, PNG, WebP or GIF image.")
        width, height = img.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise MediaError(f"The image is {width:,} × {height:,} pixels; {too_many}")
        if getattr(img, "is_animated", False):
            raise MediaError("Animated images are not accepted; upload a still image.")
        try:
            img.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
            raise MediaError("The image is damaged or cut short; export it again.") from exc
    return img, fmt


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=90)
    else:
        img.save(out, fmt, optimize=True)
    return out.getvalue()


def _thumbnail(img: Image.Image) -> bytes:
    thumb = img.copy()
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert(
            "RGBA" if "transparency" in thumb.info or "A" in thumb.mode else "RGB"
        )
    thumb.thumbnail(THUMB_SIZE)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80)
    return out.getvalue()


def process_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Processed:
    """Check *data* and return the image to store: upright, metadata-free, with a thumbnail.

    *filename* only names the file in messages; the content decides what it is.
    """
    name = filename or "The file"
    if not data:
        raise MediaError(f"{name} is empty.")
    if len(data) > max_bytes:
        raise MediaError(
            f"{name} is {len(data) / 1_048_576:.1f} MB; the most planner accepts is "
            f"{max_bytes / 1_048_576:.0f} MB."
        )
    img, fmt = _open(data, max_pixels)
    upright = ImageOps.exif_transpose(img)
    upright.info = {k: v for k, v in img.info.items() if k in _KEPT_INFO}
    cleaned = _encode(upright, fmt)
    return Processed(
        data=cleaned,
        mime=FORMATS[fmt][0],
        width=upright.width,
        height=upright.height,
        thumbnail=_thumbnail(upright),
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )
