"""Each kind of file a user might upload is stored cleaned or refused with a clear message."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from planner.media.processing import MediaError, process_upload
from tests import media_files as files


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_a_12_megapixel_photo_is_turned_upright_and_loses_its_gps() -> None:
    original = files.jpeg_with_gps()
    assert files.has_gps(original)  # the test file really carries a position

    done = process_upload(original, "shop.jpg")

    assert done.mime == "image/jpeg"
    assert (done.width, done.height) == (3000, 4000)  # orientation 6: rotated a quarter turn
    img = _open(done.data)
    assert img.size == (3000, 4000)
    assert not files.has_gps(done.data)
    assert dict(img.getexif()) == {}
    # The blue mark drawn in the top-left corner is now in the top-right corner.
    assert img.getpixel((2990, 10))[2] > 150
    assert not files.has_gps(done.thumbnail)
    assert max(_open(done.thumbnail).size) == 400
    assert len(done.sha256) == 64


def test_transparency_of_a_png_is_kept() -> None:
    done = process_upload(files.png_with_transparency(), "logo.png")
    img = _open(done.data)
    assert done.mime == "image/png"
    assert img.mode == "RGBA"
    assert img.getpixel((60, 10))[3] == 0
    assert img.getpixel((5, 10)) == (255, 0, 0, 255)
    assert _open(done.thumbnail).mode == "RGBA"


@pytest.mark.parametrize(
    ("make", "mime", "size"),
    [
        (files.webp, "image/webp", (300, 200)),
        (files.two_pixels, "image/png", (2, 1)),
        (files.static_gif, "image/gif", (20, 10)),
    ],
)
def test_accepted_formats_are_stored_as_themselves(make, mime, size) -> None:
    done = process_upload(make(), "x")
    assert (done.mime, (done.width, done.height)) == (mime, size)
    assert _open(done.data).size == size


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.animated_gif(), "dance.gif", "Animated images are not accepted"),
        (files.truncated_jpeg(), "cut.jpg", "damaged or cut short"),
        (files.SVG_WITH_SCRIPT, "logo.svg", "SVG images are not accepted"),
        (files.SVG_WITH_SCRIPT, "logo.png", "SVG images are not accepted"),
        (files.png_bomb(), "bomb.png", "too many pixels"),
        (files.TEXT_NAMED_JPG, "photo.jpg", "not a JPEG, PNG, WebP or GIF image"),
        (b"", "empty.jpg", "empty.jpg is empty"),
    ],
    ids=["animated-gif", "truncated-jpeg", "svg", "svg-named-png", "png-bomb", "text", "empty"],
)
def test_refused_files_say_why(data: bytes, name: str, message: str) -> None:
    with pytest.raises(MediaError) as caught:
        process_upload(data, name)
    assert message in caught.value.message


def test_the_byte_limit_is_checked_before_anything_is_decoded() -> None:
    with pytest.raises(MediaError, match="the most planner accepts is 1 MB"):
        process_upload(b"\xff\xd8" + b"\0" * 2_000_000, "big.jpg", max_bytes=1_048_576)


def test_the_pixel_limit_can_be_set_lower() -> None:
    with pytest.raises(MediaError, match="The image is 300 × 200 pixels; the most planner"):
        process_upload(files.webp(), "w.webp", max_pixels=300 * 200 - 1)
    assert process_upload(files.webp(), "w.webp", max_pixels=300 * 200).width == 300


def test_a_tiff_is_refused_although_pillow_reads_it() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "TIFF")
    with pytest.raises(MediaError, match="not a JPEG, PNG, WebP or GIF"):
        process_upload(out.getvalue(), "scan.tif")
