"""Coverage of stratified routes: how many samples each model (or provider) got in a period,
against the equal share its quota aims at. Shown by `/aig stats`.

A stratified run gives every stratum the same quota, so over a period each of a route's S
strata should have about 1/S of the route's posts; a stratum with fewer logs than its share
hands the rest on, so falling short can be the traffic's doing, not the sampler's. Strata come
from the route's latest run (which knows strata that got nothing) plus the posts themselves.

Pure: the store's `ReviewedLog`s and the routes' plans in, values and text lines out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.routes import SamplingPlan, Strategy
from bot.store import ReviewedLog
from bot.votes import Tally

UNKNOWN = "unknown"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class StratumCoverage:
    """One model's (or provider's) samples in the period."""

    name: str
    posted: int
    rated: int  # of those, how many have a vote
    quota: float  # the equal share of the route's posts

    @property
    def short(self) -> bool:
        """Whether it got less than its share (rounded down): worth a look."""
        return self.posted < math.floor(self.quota)


@dataclass(frozen=True, slots=True)
class RouteCoverage:
    """A stratified route's coverage in the period."""

    route: str
    stratify_by: str
    posted: int
    strata: tuple[StratumCoverage, ...]  # fewest posts first


def build_coverage(
    logs: Iterable[ReviewedLog],
    *,
    since: datetime,
    until: datetime,
    plans: Mapping[str, SamplingPlan],
    strata: Mapping[str, Sequence[str]] | None = None,
) -> tuple[RouteCoverage, ...]:
    """Coverage of each stratified route over `[since, until)`. `strata` names the strata of
    the routes' latest runs: with an "other" among them, posts of models outside the named
    strata count as "other", as they were drawn."""
    known = {route: list(names) for route, names in (strata or {}).items()}
    posted: dict[str, dict[str, list[bool]]] = {}  # route → stratum → [rated?]
    for log in logs:
        plan = plans.get(log.route)
        post = log.post
        if plan is None or plan.strategy is not Strategy.STRATIFIED or post is None:
            continue
        if not since <= post.posted_at < until:
            continue
        card = log.card
        value = (card.provider if plan.stratify_by == "provider" else card.model) if card else ""
        name = value.strip() or UNKNOWN
        named = known.get(log.route, [])
        if OTHER in named and name not in named:
            name = OTHER
        rated = Tally.from_votes(log.votes).count > 0
        posted.setdefault(log.route, {}).setdefault(name, []).append(rated)
    out: list[RouteCoverage] = []
    for route, plan in plans.items():
        if plan.strategy is not Strategy.STRATIFIED:
            continue
        seen = posted.get(route, {})
        names = list(known.get(route, []))
        names += [n for n in seen if n not in names]
        total = sum(len(marks) for marks in seen.values())
        if not names:
            continue
        share = total / len(names)
        rows = [
            StratumCoverage(n, len(seen.get(n, [])), sum(seen.get(n, [])), share) for n in names
        ]
        rows.sort(key=lambda row: (row.posted, row.name))
        out.append(RouteCoverage(route, plan.stratify_by, total, tuple(rows)))
    return tuple(out)


def coverage_lines(coverage: Sequence[RouteCoverage], *, limit: int = 12) -> list[str]:
    """Slack mrkdwn lines: per route a heading, then each stratum against its quota."""
    lines: list[str] = []
    for route in coverage:
        lines.append(
            f"*Coverage by {route.stratify_by}* — route `{route.route}`, "
            f"{route.posted} sample{'' if route.posted == 1 else 's'}, "
            f"equal quota {route.strata[0].quota:.1f} each"
        )
        for row in route.strata[:limit]:
            flag = " ⚠️ below quota" if row.short else ""
            lines.append(
                f"• `{_clip(row.name)}` — {row.posted} posted / {row.quota:.1f} quota, "
                f"{row.rated} rated{flag}"
            )
        if len(route.strata) > limit:
            lines.append(f"…and {len(route.strata) - limit} more")
    return lines


def _clip(name: str, width: int = 60) -> str:
    name = name.replace("`", "'")
    return name if len(name) <= width else name[: width - 1] + "…"
