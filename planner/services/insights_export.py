"""Insights as CSV: one row per channel (and "All channels") and category, for a spreadsheet."""

from __future__ import annotations

import csv
import io

from planner.services.insights import FIGURES, Insights

HEADER = ["period_start", "period_end", "channel", "category", "posts", *FIGURES, "score"]
# A cell starting like this is a formula to a spreadsheet; a quote makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def insights_csv(found: Insights, *, start_label: str, end_label: str) -> bytes:
    """The figures as UTF-8 CSV with a byte-order mark, so Excel shows accents correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    groups = [("All channels", found.by_category)]
    groups += [(c.name, c.by_category) for c in found.by_channel]
    for name, rows in groups:
        for row in rows:
            writer.writerow(
                [
                    start_label,
                    end_label,
                    _cell(name),
                    row.category,
                    row.posts,
                    *(getattr(row, figure) for figure in FIGURES),
                    f"{row.score:g}",
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
