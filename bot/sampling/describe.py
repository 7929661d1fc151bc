"""A sampling run in words, for `aig-feedback sample` (and its `--dry-run`): what the route
asked the gateway, the strata and their quotas, and each chosen log with where it came from.

Chosen logs are the only lines indented by two spaces, ID first, so scripts can pick them out.
Pure: a report in, lines out.
"""

from __future__ import annotations

from bot.routes import SamplingPlan
from bot.sampling.jobs import RunReport


def run_lines(
    report: RunReport, *, route: str, channel: str, plan: SamplingPlan, dry_run: bool
) -> list[str]:
    """The report of one route's run, line by line."""
    verb = "would post" if dry_run else "posted"
    lines = [
        f"route {route} → {channel}: {plan.describe()}"
        + (f", filters {plan.filters.describe()}" if plan.filters.describe() else "")
        + (", unrated only" if plan.skip_rated else ""),
        f"{report.total_in_window:,} logs in the window; {verb} {len(report.posted)} "
        f"({report.list_calls} list calls, {report.skipped} already posted)",
    ]
    lines += [f"list call {n}: {request}" for n, request in enumerate(report.requests, 1)]
    lines += [
        f"stratum {s.name}: {s.size:,} logs, quota {s.quota}, chosen {s.chosen}"
        for s in report.strata
    ]
    lines += [f"note: {note}" for note in report.notes]
    for posted in report.posted:
        card = posted.card
        where = plan.strategy.value if posted.stratum is None else f"stratum {posted.stratum}"
        lines.append(
            f"  {card.log_id}  {card.created_at:%Y-%m-%d %H:%M}  {card.provider}/{card.model}"
            f"  [{where}, page {posted.page}]"
        )
    return lines
