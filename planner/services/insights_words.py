"""Insights in plain words: what each category drew, said the way a shop owner would say it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.services.insights import Figures


def summary(by_category: tuple[Figures, ...]) -> tuple[str, ...]:
    """Plain sentences: replies each category drew per post, and which engaged most."""
    measured = [f for f in by_category if f.posts]
    if not measured:
        return (
            "No figures for this period yet: they are read from an hour after a post is "
            "published on Mastodon or Bluesky.",
        )
    ranked = sorted(measured, key=lambda f: (-f.each("replies"), f.category))
    first, *rest = ranked
    sentence = f"Your {first.category} posts drew {first.each('replies'):.1f} replies each"
    if rest:
        others = ", ".join(f"your {f.category} posts {f.each('replies'):.1f}" for f in rest)
        sentence += f", {others}"
    lines = [sentence + "."]
    shared = sorted(measured, key=lambda f: (-(f.each("reposts") + f.each("quotes")), f.category))
    best = shared[0]
    if best.reposts + best.quotes:
        lines.append(
            f"{best.label} posts were shared most: {best.each('reposts'):.1f} reposts and "
            f"{best.each('quotes'):.1f} quotes each."
        )
    top = max(measured, key=lambda f: (f.each("score"), f.category))
    lines.append(f"By score, {top.category} posts did best ({top.each('score'):.1f} per post).")
    return tuple(lines)
