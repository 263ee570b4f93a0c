"""The weekly chart of /stats, drawn with matplotlib without a screen."""

from __future__ import annotations

import io
from datetime import date

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt


def weekly_chart(weeks: list[date], series: dict[str, list[int]], labels: dict[str, str],
                 title: str) -> bytes:
    """A PNG line chart: one line per series, one point per week."""
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    # matplotlib plots datetime64 arrays as dates; its type hints do not accept a list of date.
    days = np.asarray(weeks, dtype="datetime64[D]")
    try:
        for key, values in series.items():
            axes.plot(days, values, marker="o", label=labels.get(key, key))
        axes.set_title(title)
        axes.legend()
        axes.grid(alpha=0.3)
        figure.autofmt_xdate()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(figure)
