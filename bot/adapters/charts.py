"""Charts for the admin chat: matplotlib (the Agg backend, no display) to PNG bytes.

Each function takes plain figures and a title (already translated) and returns a PNG. The
title is drawn on the chart and also stored in the PNG's `Title` text chunk, so a test (or any
tool) can tell which chart a file is without looking at it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _png(figure: Figure, title: str) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Title": title})
    plt.close(figure)
    return buffer.getvalue()


def member_growth(points: Sequence[tuple[datetime, int]], title: str) -> bytes:
    figure, axes = plt.subplots(figsize=(8, 4))
    days = [day.date().isoformat() for day, _ in points]
    axes.plot(days, [count for _, count in points], marker=".")
    axes.set_xticks(days[:: max(1, len(days) // 8)])
    axes.set_title(title)
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _png(figure, title)


def sales_heatmap(per_hour_of_week: Mapping[int, int], title: str) -> bytes:
    """Purchases per hour of the week: 7 rows (Monday first) x 24 hours."""
    grid = [[per_hour_of_week.get(day * 24 + hour, 0) for hour in range(24)] for day in range(7)]
    figure, axes = plt.subplots(figsize=(10, 3.6))
    image = axes.imshow(grid, aspect="auto", cmap="YlOrRd")
    axes.set_yticks(range(7), _WEEKDAYS)
    axes.set_xticks(range(0, 24, 2))
    axes.set_title(title)
    figure.colorbar(image, ax=axes)
    return _png(figure, title)


def campaign_funnel(
    rows: Sequence[tuple[str, int, int]], title: str, labels: tuple[str, str]
) -> bytes:
    """Delivered and redeemed per campaign (name, delivered, redeemed); `labels` name the
    two bars (translated)."""
    figure, axes = plt.subplots(figsize=(8, 0.5 * max(len(rows), 2) + 1.5))
    names = [name for name, _, _ in rows]
    positions = range(len(rows))
    axes.barh([p + 0.2 for p in positions], [d for _, d, _ in rows], 0.4, label=labels[0])
    axes.barh([p - 0.2 for p in positions], [r for _, _, r in rows], 0.4, label=labels[1])
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()
    axes.legend()
    axes.set_title(title)
    return _png(figure, title)


def bars(items: Sequence[tuple[str, float]], title: str) -> bytes:
    """One bar per (label, value)."""
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.bar([label for label, _ in items], [value for _, value in items])
    axes.set_title(title)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure, title)
