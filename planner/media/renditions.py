"""Per-platform copies of a stored image: resized and re-encoded until the platform takes them.

Pure functions of the image bytes (Pillow, no Flask, no database). Each rendition is made once
per process and kept in a small in-process LRU cache keyed by the original's SHA-256, the
platform and its limits, so a retry or a second channel of the same platform does not redo it.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

BLUESKY_MAX_BYTES = 1_000_000  # the lexicon's maxSize for an image blob
BLUESKY_MAX_SIDE = 2000  # Bluesky shows nothing larger, so bigger only wastes the byte budget
CARD_MAX_SIDE = 1200
INSTAGRAM_MAX_BYTES = 8 * 1024 * 1024
INSTAGRAM_MAX_WIDTH = 1440
INSTAGRAM_RATIOS = (4 / 5, 1.91)  # width / height, portrait to landscape
RATIO_SLACK = 0.005  # 1080 x 1350 is 0.8 exactly, but a 1079-pixel crop should pass too
CACHE_BYTES = 64 * 1024 * 1024
JPEG_QUALITIES = (85, 75, 65)
MAX_ROUNDS = 12

FORMAT_MIMES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


class RenditionError(ValueError):
    """The image cannot be made into something the platform accepts; the message says why."""


@dataclass(frozen=True)
class Rendition:
    """An image ready to send: its bytes, type and size in pixels."""

    data: bytes
    mime: str
    width: int
    height: int


@dataclass(frozen=True)
class Limits:
    """What a platform takes: bytes per file, pixels per image, longest side and file types."""

    size: int
    pixels: int | None = None
    side: int | None = None
    mimes: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")


def for_bluesky(data: bytes, *, digest: str | None = None) -> Rendition:
    """Return the image at most 1,000,000 bytes and 2,000 pixels a side, as Bluesky requires."""
    limits = Limits(size=BLUESKY_MAX_BYTES, side=BLUESKY_MAX_SIDE)
    return _cached("bluesky", limits, data, digest, lambda: _fit(data, limits))


def for_link_card(data: bytes, *, digest: str | None = None) -> Rendition:
    """Return a link card's thumbnail: JPEG or PNG (all Bluesky's card takes), at most
    1,000,000 bytes and 1,200 pixels a side (cards are shown far smaller)."""
    limits = Limits(size=BLUESKY_MAX_BYTES, side=CARD_MAX_SIDE, mimes=("image/jpeg", "image/png"))
    return _cached("card", limits, data, digest, lambda: _fit(data, limits))


def for_mastodon(
    data: bytes, *, size_limit: int, matrix_limit: int, digest: str | None = None
) -> Rendition:
    """Return the image within the server's ``image_size_limit`` and ``image_matrix_limit``."""
    limits = Limits(
        size=size_limit,
        pixels=matrix_limit,
        mimes=("image/jpeg", "image/png", "image/webp", "image/gif"),
    )
    return _cached("mastodon", limits, data, digest, lambda: _fit(data, limits))


def for_upload(data: bytes, *, size_limit: int, digest: str | None = None) -> Rendition:
    """Return the image within a plain byte limit, for services like Discord that take any image."""
    limits = Limits(size=size_limit, mimes=("image/jpeg", "image/png", "image/webp", "image/gif"))
    return _cached("upload", limits, data, digest, lambda: _fit(data, limits))


FITS = ("crop", "pad")  # what a person chose for an image outside Instagram's shapes


def for_instagram(data: bytes, *, fit: str | None = None, digest: str | None = None) -> Rendition:
    """Return a JPEG at most 1,440 pixels wide and between 4:5 and 1.91:1, without metadata.

    An image outside those shapes is centre-cropped or padded with white to the nearest one,
    as *fit* says ("crop" or "pad"); without a *fit* it is refused, because only the person who
    knows what the photo shows may decide what Instagram leaves out.
    """
    if fit is not None and fit not in FITS:
        raise RenditionError(f"Unknown fit {fit!r}: choose crop or pad.")
    limits = Limits(size=INSTAGRAM_MAX_BYTES, side=None, mimes=("image/jpeg",))

    def make() -> Rendition:
        with _open(data) as image:
            width, height = _oriented_size(image)
            if fit is None or instagram_problem(width, height) is None:
                check_instagram_shape(width, height)
                return _fit(data, limits, scale=min(1.0, INSTAGRAM_MAX_WIDTH / width))
            shaped_width = instagram_shaped(width, height, fit)[0]
            scale = min(1.0, INSTAGRAM_MAX_WIDTH / shaped_width)
            if image.format == "JPEG":
                wanted = (max(1, round(width * scale)), max(1, round(height * scale)))
                image.draft("RGB", _unoriented(image, wanted))
            picture = _flattened(ImageOps.exif_transpose(image))
        picture = _reshape(picture, fit)
        if picture.width > INSTAGRAM_MAX_WIDTH:
            size = (
                INSTAGRAM_MAX_WIDTH,
                max(1, round(picture.height * INSTAGRAM_MAX_WIDTH / picture.width)),
            )
            picture = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        return _encode_within(picture, limits, alpha=False)

    return _cached(f"instagram-{fit or 'as-is'}", limits, data, digest, make)


def instagram_problem(width: int, height: int) -> str | None:
    """Say why *width* x *height* is outside Instagram's 4:5 to 1.91:1, or None when it fits."""
    low, high = INSTAGRAM_RATIOS
    ratio = width / height
    if low - RATIO_SLACK <= ratio <= high + RATIO_SLACK:
        return None
    shape = "tall" if ratio < low else "wide"
    return (
        f"Instagram takes images between 4:5 (portrait) and 1.91:1 (landscape); this one is "
        f"{width} x {height}, too {shape}. Crop or pad it first."
    )


def check_instagram_shape(width: int, height: int) -> None:
    """Raise ``RenditionError`` when *width* x *height* is outside Instagram's 4:5 to 1.91:1."""
    problem = instagram_problem(width, height)
    if problem is not None:
        raise RenditionError(problem)


def instagram_shaped(width: int, height: int, fit: str) -> tuple[int, int]:
    """The size *width* x *height* becomes when cropped or padded to the nearest allowed shape."""
    low, high = INSTAGRAM_RATIOS
    ratio = width / height
    if ratio < low - RATIO_SLACK:  # too tall: keep the width and cut height, or widen
        return (
            (width, max(1, round(width / low))) if fit == "crop" else (round(height * low), height)
        )
    if ratio > high + RATIO_SLACK:  # too wide: keep the height and cut width, or heighten
        return (
            (max(1, round(height * high)), height)
            if fit == "crop"
            else (width, round(width / high))
        )
    return width, height


def _reshape(picture: Image.Image, fit: str) -> Image.Image:
    """Centre-crop *picture* to its Instagram shape, or centre it on white of that shape."""
    width, height = instagram_shaped(picture.width, picture.height, fit)
    if (width, height) == picture.size:
        return picture
    if fit == "crop":
        left, top = (picture.width - width) // 2, (picture.height - height) // 2
        return picture.crop((left, top, left + width, top + height))
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    return canvas


def clear_cache() -> None:
    """Forget every cached rendition (tests and benchmarks use it to measure a cold start)."""
    _CACHE.clear()


def _fit(data: bytes, limits: Limits, *, scale: float = 1.0) -> Rendition:
    """Return *data* unchanged when it already fits *limits*, else a smaller re-encoded copy."""
    with _open(data) as image:
        mime = FORMAT_MIMES.get(image.format or "")
        width, height = _oriented_size(image)
        scale = min(scale, _scale_for(width, height, limits))
        clean = not image.getexif() and "exif" not in image.info
        if clean and scale >= 1.0 and mime in limits.mimes and len(data) <= limits.size:
            return Rendition(data=data, mime=mime, width=width, height=height)
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if image.format == "JPEG":
            # Decode at a reduced scale straight from the JPEG: far faster for a big photo.
            image.draft("RGB", _unoriented(image, target))
        picture = ImageOps.exif_transpose(image)
        picture.load()
    alpha = _has_alpha(picture) and "image/png" in limits.mimes
    if picture.size != target:
        picture = picture.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _encode_within(picture, limits, alpha=alpha)


def _encode_within(picture: Image.Image, limits: Limits, *, alpha: bool) -> Rendition:
    """Encode *picture*, lowering the JPEG quality and then the size until it fits *limits*."""
    quality_index = 0
    for _ in range(MAX_ROUNDS):
        encoded = _encode(picture, alpha=alpha, quality=JPEG_QUALITIES[quality_index])
        if len(encoded) <= limits.size:
            return Rendition(
                data=encoded,
                mime="image/png" if alpha else "image/jpeg",
                width=picture.width,
                height=picture.height,
            )
        if not alpha and quality_index + 1 < len(JPEG_QUALITIES):
            quality_index += 1
            continue
        shrink = math.sqrt(limits.size / len(encoded)) * 0.95
        target = (max(1, round(picture.width * shrink)), max(1, round(picture.height * shrink)))
        picture = picture.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    raise RenditionError(f"Could not make the image smaller than {limits.size:,} bytes")


def _scale_for(width: int, height: int, limits: Limits) -> float:
    scale = 1.0
    if limits.pixels is not None and width * height > limits.pixels:
        scale = min(scale, math.sqrt(limits.pixels / (width * height)))
    if limits.side is not None and max(width, height) > limits.side:
        scale = min(scale, limits.side / max(width, height))
    return scale


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise RenditionError("The stored file is not an image that can be read") from exc


def _oriented_size(image: Image.Image) -> tuple[int, int]:
    """Return the size as shown, after the EXIF orientation (5 to 8 swap the sides)."""
    orientation = image.getexif().get(0x0112, 1)
    if orientation in (5, 6, 7, 8):
        return image.height, image.width
    return image.width, image.height


def _unoriented(image: Image.Image, size: tuple[int, int]) -> tuple[int, int]:
    if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
        return size[1], size[0]
    return size


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _encode(image: Image.Image, *, alpha: bool, quality: int) -> bytes:
    """Encode without metadata (no ``exif=``): nothing of the original's EXIF goes out."""
    out = io.BytesIO()
    if alpha:
        image.convert("RGBA").save(out, "PNG", optimize=False)
    else:
        _flattened(image).save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """Return an RGB copy, transparent parts on white (as the platforms show them)."""
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


class _Cache:
    """A least-recently-used map of renditions, bounded by the bytes it holds."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[object, ...], Rendition] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Rendition | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], rendition: Rendition) -> None:
        with self._lock:
            if key in self._items or len(rendition.data) > self.max_bytes:
                return
            self._items[key] = rendition
            self._size += len(rendition.data)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped.data)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


_CACHE = _Cache(CACHE_BYTES)


def _cached(
    platform: str,
    limits: Limits,
    data: bytes,
    digest: str | None,
    make: Callable[[], Rendition],
) -> Rendition:
    key = (digest or hashlib.sha256(data).hexdigest(), platform, limits)
    found = _CACHE.get(key)
    if found is None:
        found = make()
        _CACHE.put(key, found)
    return found
