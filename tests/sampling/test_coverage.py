"""Coverage per model against the stratified quota, as `/aig stats` shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.blocks import Message, with_sections
from bot.cards import Card
from bot.routes import SamplingPlan, Strategy
from bot.sampling.coverage import OTHER, build_coverage, coverage_lines
from bot.store import Post, ReviewedLog
from bot.votes import Vote

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=7)
STRATIFIED = SamplingPlan(strategy=Strategy.STRATIFIED)


def posted(
    log_id: str, model: str, *, route: str = "r", days_ago: float = 1, votes: int = 0
) -> ReviewedLog:
    at = NOW - timedelta(days=days_ago)
    card = Card(log_id=log_id, created_at=at, model=model, provider="openai")
    cast = tuple(Vote(log_id, f"U{i}", 1, at) for i in range(votes))
    return ReviewedLog(log_id, route, Post(log_id, "C1", "1.0", at), card, cast)


def test_each_stratum_is_held_against_an_equal_share() -> None:
    """Posts per model in the period, rated ones counted, and who falls short of 1/S."""
    logs = [
        *(posted(f"a{i}", "busy", votes=1) for i in range(4)),
        posted("b0", "mid"),
        posted("b1", "mid", votes=2),
        posted("old", "busy", days_ago=9),  # before the period
        posted("u0", "busy", route="uniform-route"),  # not a stratified route
    ]
    plans = {"r": STRATIFIED, "uniform-route": SamplingPlan()}
    (route,) = build_coverage(
        logs, since=SINCE, until=NOW, plans=plans, strata={"r": ["busy", "mid", "rare"]}
    )
    assert route.route == "r" and route.posted == 6
    rows = {row.name: row for row in route.strata}
    assert (rows["busy"].posted, rows["busy"].rated, rows["busy"].quota) == (4, 4, 2.0)
    assert (rows["mid"].posted, rows["mid"].rated) == (2, 1)
    assert rows["rare"].posted == 0 and rows["rare"].short  # known from the latest run
    assert not rows["mid"].short and route.strata[0].name == "rare"


def test_models_outside_the_named_strata_count_as_other() -> None:
    """With an "other" stratum in the latest run, unnamed models are counted under it."""
    logs = [posted("a", "busy"), posted("b", "tiny-1"), posted("c", "tiny-2")]
    (route,) = build_coverage(
        logs, since=SINCE, until=NOW, plans={"r": STRATIFIED}, strata={"r": ["busy", OTHER]}
    )
    assert {row.name: row.posted for row in route.strata} == {"busy": 1, OTHER: 2}


def test_coverage_lines_read_as_a_list_per_route() -> None:
    """A heading per route, then one line per stratum, flagged when below quota."""
    logs = [posted("a", "busy"), posted("b", "busy"), posted("c", "busy")]
    coverage = build_coverage(
        logs, since=SINCE, until=NOW, plans={"r": STRATIFIED}, strata={"r": ["busy", "rare"]}
    )
    assert coverage_lines(coverage) == [
        "*Coverage by model* — route `r`, 3 samples, equal quota 1.5 each",
        "• `rare` — 0 posted / 1.5 quota, 0 rated ⚠️ below quota",
        "• `busy` — 3 posted / 1.5 quota, 0 rated",
    ]


def test_routes_without_strata_show_nothing() -> None:
    """Uniform routes have no quota, and a stratified route with nothing known is left out."""
    logs = [posted("a", "busy", route="u")]
    assert build_coverage(logs, since=SINCE, until=NOW, plans={"u": SamplingPlan()}) == ()
    assert build_coverage([], since=SINCE, until=NOW, plans={"r": STRATIFIED}) == ()


def test_with_sections_goes_before_the_closing_context() -> None:
    """Extra sections land before a message's final context block, split under 3,000."""
    message = Message("t", [{"type": "header"}, {"type": "context", "elements": []}])
    longer = "\n".join("x" * 100 for _ in range(40))
    out = with_sections(message, longer)
    kinds = [block["type"] for block in out.blocks]
    assert kinds == ["header", "section", "section", "context"]
    assert all(len(b["text"]["text"]) <= 3000 for b in out.blocks if b["type"] == "section")
