"""Benchmark: the Bluesky and Mastodon renditions of one 12-megapixel JPEG, median of runs.

Run as ``python bench/media_renditions.py``; prints a markdown table. The cache is cleared before each
run, so every run makes both renditions from the stored original (a 4000 x 3000 JPEG without
metadata, as storing leaves it). Two originals: a photo-like image (smooth areas, fine grain)
and pure noise, the worst case for JPEG and for the Bluesky byte budget.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Import from the checkout root, not from bench/ (whose calendar.py would shadow the stdlib's).
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import io
import statistics
import time

from PIL import Image, ImageFilter

from planner.media import renditions

RUNS = 7
SIZE = (4000, 3000)
MASTODON = {"size_limit": 16 * 1024 * 1024, "matrix_limit": 33_177_600}


def photo_like() -> Image.Image:
    """Smooth colour gradients with a grain of noise and some edges, like a product photo."""
    width, height = SIZE
    red = Image.linear_gradient("L").resize(SIZE)
    green = Image.radial_gradient("L").resize(SIZE)
    grain = Image.effect_noise(SIZE, 40).filter(ImageFilter.GaussianBlur(0.6))
    image = Image.merge(
        "RGB", [Image.blend(grain, red, 0.6), green, Image.blend(grain, green, 0.4)]
    )
    edges = Image.effect_noise((width // 20, height // 20), 80).resize(
        SIZE, Image.Resampling.NEAREST
    )
    return Image.blend(image, edges.convert("RGB"), 0.15)


def noise() -> Image.Image:
    grey = Image.effect_noise(SIZE, 60)
    return Image.merge("RGB", [grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey])


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def measure(data: bytes) -> tuple[float, int, int]:
    """Median seconds for both renditions, and the Bluesky and Mastodon sizes in bytes."""
    times = []
    for _ in range(RUNS):
        renditions.clear_cache()
        started = time.perf_counter()
        sky = renditions.for_bluesky(data)
        toot = renditions.for_mastodon(data, **MASTODON)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(sky.data), len(toot.data)


def main() -> None:
    print("| original | bytes | median, Bluesky + Mastodon | Bluesky bytes | Mastodon bytes |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, make in (("12 MP photo-like JPEG", photo_like), ("12 MP noise JPEG", noise)):
        data = jpeg(make())
        seconds, sky, toot = measure(data)
        print(f"| {name} | {len(data):,} | {seconds * 1000:.0f} ms | {sky:,} | {toot:,} |")
    started = time.perf_counter()
    renditions.for_bluesky(data)
    print(f"\nA cached rendition: {(time.perf_counter() - started) * 1e6:.0f} µs.")


if __name__ == "__main__":
    main()
