"""Per-platform renditions: within each platform's limits, no metadata, made once."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from planner.media import renditions
from planner.media.renditions import RenditionError
from tests import media_files as files
from tests.fakes.images import has_gps, jpeg, png_with_alpha, small_png

MASTODON = {"size_limit": 16 * 1024 * 1024, "matrix_limit": 33_177_600}


@pytest.fixture(autouse=True)
def cold_cache() -> None:
    renditions.clear_cache()


def shown(data: bytes) -> tuple[str | None, tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format, image.size


def test_bluesky_fits_a_big_photo_under_a_million_bytes() -> None:
    original = jpeg(4000, 3000)
    assert len(original) > 1_000_000
    made = renditions.for_bluesky(original)
    assert len(made.data) <= 1_000_000
    assert shown(made.data) == ("JPEG", (made.width, made.height))
    assert 1500 <= made.width <= 2000  # noise may need a step down after the lowest quality
    assert made.width / made.height == pytest.approx(4 / 3, rel=0.01)


def test_bluesky_keeps_a_small_clean_image_as_it_is() -> None:
    original = small_png()
    made = renditions.for_bluesky(original)
    assert made.data == original
    assert (made.mime, made.width, made.height) == ("image/png", 40, 30)


def test_bluesky_keeps_transparency_as_png_while_it_fits() -> None:
    made = renditions.for_bluesky(png_with_alpha(300, 200))
    assert made.mime == "image/png"
    assert shown(made.data)[0] == "PNG"


def test_bluesky_shrinks_a_transparent_png_until_it_fits() -> None:
    original = png_with_alpha(800, 800)
    assert len(original) > 1_000_000
    made = renditions.for_bluesky(original)
    assert len(made.data) <= 1_000_000
    assert made.width < 800


def test_orientation_is_applied_and_gps_never_sent() -> None:
    original = jpeg(2400, 1600, orientation=6, gps=True)
    assert has_gps(original)
    for made in (
        renditions.for_bluesky(original),
        renditions.for_mastodon(original, **MASTODON),
        renditions.for_instagram(jpeg(1600, 1200, gps=True)),
    ):
        assert not has_gps(made.data)
    portrait = renditions.for_bluesky(original)
    assert (portrait.width, portrait.height) == (1333, 2000)
    assert shown(portrait.data)[1] == (1333, 2000)


def test_mastodon_passes_a_photo_within_the_server_limits_untouched() -> None:
    original = jpeg(2000, 1500)
    made = renditions.for_mastodon(original, **MASTODON)
    assert made.data == original


def test_mastodon_shrinks_to_the_server_matrix_and_size_limits() -> None:
    original = jpeg(2400, 1600)
    made = renditions.for_mastodon(original, size_limit=400_000, matrix_limit=1_500_000)
    assert made.width * made.height <= 1_500_000
    assert len(made.data) <= 400_000
    assert made.width / made.height == pytest.approx(1.5, rel=0.01)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1080, 1350), (1080, 1350)), ((2400, 1600), (1440, 960)), ((1910, 1000), (1440, 754))],
)
def test_instagram_is_a_jpeg_at_most_1440_wide(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    made = renditions.for_instagram(jpeg(*size))
    assert made.mime == "image/jpeg"
    assert (made.width, made.height) == expected


@pytest.mark.parametrize(("size", "word"), [((900, 1600), "too tall"), ((2000, 1000), "too wide")])
def test_instagram_refuses_shapes_it_would_crop(size: tuple[int, int], word: str) -> None:
    with pytest.raises(RenditionError, match=f"4:5.*1.91:1.*{word}"):
        renditions.for_instagram(jpeg(*size))


def test_instagram_turns_transparency_into_a_white_jpeg() -> None:
    made = renditions.for_instagram(png_with_alpha(1000, 1000))
    assert made.mime == "image/jpeg"
    with Image.open(io.BytesIO(made.data)) as image:
        assert image.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_a_rendition_is_made_once_per_image_platform_and_limits() -> None:
    original = jpeg(2400, 1600)
    first = renditions.for_bluesky(original)
    assert renditions.for_bluesky(original) is first
    assert renditions.for_bluesky(original, digest="another") is not first
    small = jpeg(600, 400)
    made = renditions.for_mastodon(small, size_limit=300_000, matrix_limit=100_000)
    assert renditions.for_mastodon(small, size_limit=300_000, matrix_limit=100_000) is made
    other = renditions.for_mastodon(small, size_limit=300_000, matrix_limit=200_000)
    assert other.width > made.width


def test_a_file_that_is_not_an_image_is_a_clear_error() -> None:
    with pytest.raises(RenditionError, match="not an image"):
        renditions.for_bluesky(b"plain text, not a picture")


def _pixel(data: bytes, xy: tuple[int, int]) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel(xy)


def _near(colour: tuple[int, int, int], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(colour, wanted, strict=True))


BLUE, RED, WHITE = (30, 60, 220), (220, 30, 30), (255, 255, 255)


def test_instagram_crop_cuts_a_tall_photo_to_4_5_around_its_centre() -> None:
    # 900 x 1600: a 4:5 crop keeps 1125 rows, cutting 237 top and bottom; the red edges go.
    made = renditions.for_instagram(files.banded_jpeg((900, 1600), 230), fit="crop")
    assert made.mime == "image/jpeg" and (made.width, made.height) == (900, 1125)
    assert shown(made.data) == ("JPEG", (900, 1125))
    assert _near(_pixel(made.data, (450, 3)), BLUE) and _near(_pixel(made.data, (450, 1121)), BLUE)


def test_instagram_pad_letterboxes_a_wide_photo_in_white_at_most_1440_wide() -> None:
    made = renditions.for_instagram(files.banded_jpeg((3000, 1000), 40), fit="pad")
    assert (made.width, made.height) == (1440, 754)
    assert made.width / made.height == pytest.approx(1.91, abs=0.005)
    assert _near(_pixel(made.data, (720, 2)), WHITE) and _near(_pixel(made.data, (720, 751)), WHITE)
    assert _near(_pixel(made.data, (720, 377)), BLUE)  # the whole photo, centred
    assert _near(_pixel(made.data, (2, 377)), RED)  # its edges kept, not cut


def test_instagram_crop_of_a_wide_photo_keeps_1_91_and_drops_the_sides() -> None:
    made = renditions.for_instagram(files.banded_jpeg((2000, 800), 200), fit="crop")
    assert (made.width, made.height) == (1440, 754)
    assert _near(_pixel(made.data, (2, 377)), BLUE) and _near(_pixel(made.data, (1437, 377)), BLUE)


def test_instagram_pad_of_a_tall_photo_adds_white_sides() -> None:
    made = renditions.for_instagram(files.banded_jpeg((800, 2000), 10), fit="pad")
    assert (made.width, made.height) == (1440, 1800)
    assert _near(_pixel(made.data, (3, 900)), WHITE) and _near(_pixel(made.data, (720, 900)), BLUE)


def test_instagram_fit_applies_the_rotation_and_sends_no_metadata() -> None:
    # Stored sideways with "rotate 90°": shown 1500 x 4000, far too tall until cropped.
    original = files.jpeg_with_gps((4000, 1500), orientation=6)
    with pytest.raises(RenditionError, match="too tall"):
        renditions.for_instagram(original)
    made = renditions.for_instagram(original, fit="crop")
    assert (made.width, made.height) == (1440, 1800)
    assert not files.has_gps(made.data)
    with Image.open(io.BytesIO(made.data)) as image:
        assert not image.getexif() and "exif" not in image.info


def test_instagram_fit_leaves_a_shape_it_takes_alone_and_is_cached_per_fit() -> None:
    fine = jpeg(1080, 1350)
    assert renditions.for_instagram(fine, fit="pad").data == renditions.for_instagram(fine).data
    tall = files.banded_jpeg((900, 1600), 100)
    cropped = renditions.for_instagram(tall, fit="crop")
    assert renditions.for_instagram(tall, fit="crop") is cropped
    padded = renditions.for_instagram(tall, fit="pad")
    assert padded is not cropped and (padded.width, padded.height) == (1280, 1600)
    with pytest.raises(RenditionError, match="crop or pad"):
        renditions.for_instagram(tall, fit="stretch")


def test_instagram_pad_turns_transparency_white() -> None:
    made = renditions.for_instagram(files.png_with_transparency(), fit="pad")  # 64 x 48 fits
    assert made.mime == "image/jpeg" and _near(_pixel(made.data, (60, 24)), WHITE)
