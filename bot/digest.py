"""The weekly feedback digest: a message to each feedback channel with the week's numbers, the
disputed logs worth a second look and who took part, followed by a chart of the 👍 share by
model, uploaded with files upload v2 (slack_sdk's `files_upload_v2`).

Runs on `AIG_DIGEST_CRON` (only on the replica that leads sampling, so several replicas post
one digest) and on demand with `aig-feedback digest`. Needs the `files:write` scope.
The chart is drawn with matplotlib's Agg backend, off the event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import digest_message
from bot.permalinks import Permalinks
from bot.publisher import SlackError, SlackPublisher
from bot.reports import Period, Share, Stats, build_stats
from bot.routes import Route
from bot.store import Store

logger = logging.getLogger(__name__)

DIGEST_JOB_ID = "digest"
DIGEST_DAYS = 7
CHART_MODELS = 12  # the most voted models get a bar; the message lists the rest
_GREEN, _RED, _INK, _GRID = "#2eb67d", "#e01e5a", "#1d1c1d", "#dddddd"


@dataclass(frozen=True, slots=True)
class DigestReport:
    """What one digest posted."""

    channel: str
    stats: Stats
    ts: str  # the digest message
    chart_file: str | None  # the uploaded chart's file ID; None when there was nothing to draw


class Digest:
    """Posts the digest of some routes to their channel."""

    def __init__(
        self,
        *,
        store: Store,
        publisher: SlackPublisher,
        channel: str,
        routes: frozenset[str] | None = None,
        days: int = DIGEST_DAYS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.channel = channel
        self.routes = routes  # None: every log, whatever its route
        self.days = days
        self.clock = clock

    async def post(self) -> DigestReport:
        """Sum up the last `days`, post the message, then upload the chart (if any votes)."""
        now = self.clock()
        period = Period(f"{self.days} days", now - timedelta(days=self.days), now)
        logs = await self.store.activity(period.since, period.until)
        stats = build_stats(logs, period, routes=self.routes)
        client = self.publisher.client
        links = await Permalinks().for_logs(client, [d.log for d in stats.disputed])
        chart = await asyncio.to_thread(chart_png, stats.by_model, period) if stats.votes else None
        ts = await self.publisher.post(
            self.channel, digest_message(stats, links, chart=bool(chart))
        )
        file_id = await self._upload(chart, period) if chart else None
        logger.info(
            "posted the digest to %s: %d samples, %d votes%s",
            self.channel,
            stats.posted,
            stats.votes,
            f", chart {file_id}" if file_id else "",
        )
        return DigestReport(self.channel, stats, ts, file_id)

    async def _upload(self, chart: bytes, period: Period) -> str:
        day = f"{period.until:%Y-%m-%d}"
        try:
            response = await self.publisher.client.files_upload_v2(
                channel=self.channel,
                file=chart,
                filename=f"aig-feedback-{day}.png",
                title=f"👍 share by model, week to {day}",
                alt_txt="Bar chart of the share of 👍 votes for each model over the last "
                f"{period.label}",
                initial_comment=f"📊 👍 share by model, last {period.label}",
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise SlackError(f"files upload v2 failed: {error}", error=error) from exc
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise SlackError(
                f"files upload v2 failed: {type(exc).__name__}", error="fetch_failed"
            ) from exc
        file = response.get("file")
        return str(file.get("id", "")) if isinstance(file, dict) else ""


def build_digests(
    routes: Iterable[Route], *, store: Store, publisher: SlackPublisher
) -> list[Digest]:
    """One digest per feedback channel, about the routes posting there (every log when one
    channel takes them all)."""
    by_channel: dict[str, set[str]] = {}
    for route in routes:
        by_channel.setdefault(route.channel, set()).add(route.name)
    only_one = len(by_channel) == 1
    return [
        Digest(
            store=store,
            publisher=publisher,
            channel=channel,
            routes=None if only_one else frozenset(names),
        )
        for channel, names in by_channel.items()
    ]


def scheduled_digest(digests: Sequence[Digest]) -> Callable[[], Awaitable[None]]:
    """The `AIG_DIGEST_CRON` job: each channel's digest, one failing not stopping the next.
    (The composition root runs it only on the replica leading scheduled work.)"""

    async def digest() -> None:
        for each in digests:
            try:
                await each.post()
            except SlackError as exc:
                logger.error("could not post the digest to %s: %s", each.channel, exc)

    return digest


def chart_png(shares: Sequence[Share], period: Period) -> bytes:
    """A horizontal bar per model: 👍 share in green, 👎 in red, votes counted at the end."""
    # Imported here: matplotlib is slow to import and only the digest draws.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(shares[:CHART_MODELS])[::-1]  # barh draws bottom-up; most voted on top
    names = [_short(s.name) for s in shown]
    ups = [100 * s.up / s.total if s.total else 0 for s in shown]
    figure = Figure(figsize=(8, 1.4 + 0.42 * max(1, len(shown))), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.barh(names, ups, color=_GREEN, height=0.6, label="thumbs up")
    axes.barh(names, [100 - u for u in ups], left=ups, color=_RED, height=0.6, alpha=0.35)
    for row, share in enumerate(shown):
        axes.text(
            101.5,
            row,
            f"{share.percent}%  ({share.up}/{share.total})",
            va="center",
            fontsize=9,
            color=_INK,
        )
    axes.set_xlim(0, 125)
    axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axes.xaxis.grid(visible=True, color=_GRID)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_bounds(0, 100)
    axes.set_xlabel(
        "Votes cast in the period (each rater's current vote): green thumbs up, red thumbs down",
        fontsize=8,
        color="#616061",
        loc="left",
    )
    axes.tick_params(axis="y", length=0, labelsize=9)
    days = f"{period.since:%b %d} – {period.until:%b %d, %Y}"
    axes.set_title(f"Thumbs-up share by model · {days}", loc="left", fontsize=11, color=_INK)
    out = io.BytesIO()
    with warnings.catch_warnings():
        # a model name in a script the font lacks draws as boxes; that is no reason to warn
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        figure.tight_layout()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _short(name: str, limit: int = 40) -> str:
    flat = " ".join(name.split()) or "—"
    # mathtext would read `$…$` in a model name as a formula
    flat = flat.replace("$", r"\$")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
