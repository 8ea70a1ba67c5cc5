"""A PNG chart of one or more bar panels (matplotlib, Agg, no pyplot state), every text drawn
with the shipped CJK font (:mod:`.fonts`)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

DPI = 80
BAR_COLOURS = ("#4C72B0", "#55A868", "#C44E52", "#8172B2", "#CCB974", "#64B5CD")


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[float]
    colour: str | None = None


@dataclass(frozen=True, slots=True)
class Panel:
    """Bars for each category; several series side by side, or stacked."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    stacked: bool = False
    y_label: str = ""
    empty_text: str = ""  # shown when there is nothing to draw
    notes: Sequence[str] = field(default_factory=tuple)


def chart_png(title: str, panels: Sequence[Panel], *, width: float = 10.0) -> bytes:
    """The panels one above the other under ``title``, as PNG bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from fieldbot.documents.fonts import font_family

    family = font_family()
    rc: dict[str, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [family],
        "axes.unicode_minus": False,
    }
    with rc_context(cast(Any, rc)):
        height = 3.4 * max(len(panels), 1) + 0.8
        figure = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(figure)
        figure.suptitle(title, fontsize=14)
        axes_list = figure.subplots(max(len(panels), 1), 1, squeeze=False)[:, 0]
        for axes, panel in zip(axes_list, panels, strict=False):
            _draw(axes, panel)
        # fixed margins: tight_layout would draw the figure once more
        figure.subplots_adjust(
            left=0.07, right=0.97, top=1 - 0.8 / height, bottom=0.08, hspace=0.35
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw(axes: object, panel: Panel) -> None:
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator

    assert isinstance(axes, Axes)
    axes.set_title(panel.title, fontsize=11)
    categories = list(panel.categories)
    if not categories or not panel.series:
        axes.text(0.5, 0.5, panel.empty_text, ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    positions = list(range(len(categories)))
    count = len(panel.series)
    width = 0.8 if panel.stacked else 0.8 / count
    bottoms = [0.0] * len(categories)
    for index, series in enumerate(panel.series):
        colour = series.colour or BAR_COLOURS[index % len(BAR_COLOURS)]
        values = [float(v) for v in series.values]
        if panel.stacked:
            axes.bar(positions, values, width, bottom=bottoms, label=series.label, color=colour)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        else:
            offset = (index - (count - 1) / 2) * width
            axes.bar(
                [p + offset for p in positions], values, width, label=series.label, color=colour
            )
    top = max(bottoms) if panel.stacked else max(max(s.values, default=0) for s in panel.series)
    axes.set_ylim(0, max(float(top) * 1.15, 1.0))
    axes.set_xticks(positions, categories)
    axes.set_ylabel(panel.y_label)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(fontsize=9)
