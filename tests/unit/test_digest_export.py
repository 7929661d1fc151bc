"""The digest (chart, message, upload, schedule) against the Slack sandbox, and the export's
rows, formats and progress, on the memory store."""

from __future__ import annotations

import csv
import io
import json
import struct
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import Card
from bot.digest import Digest, build_digests, chart_png, scheduled_digest
from bot.export import CSV_COLUMNS, ProgressBar, export
from bot.publisher import SlackError, SlackPublisher
from bot.reports import Period, Share
from bot.routes import Route
from bot.sandbox import SlackSandbox
from bot.scheduled import leading_job
from bot.store import Click, MemoryStore, Note, Store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
WEEK = Period("7 days", NOW - timedelta(days=7), NOW)
CHANNEL = "C0FEEDBACK"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = MemoryStore()
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def slack() -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox(channels=(CHANNEL, "C0OTHER")) as sandbox:
        yield sandbox


def publisher_for(slack: SlackSandbox) -> SlackPublisher:
    return SlackPublisher(AsyncWebClient(token=slack.bot_token, base_url=slack.api_url))


async def rated(
    store: Store,
    log_id: str,
    model: str,
    votes: dict[str, int],
    *,
    route: str = "default",
    ts: str | None = None,
) -> None:
    """A posted sample of `model` with each rater's vote, all in the last day."""
    at = NOW - timedelta(hours=20)
    await store.save_card(Card(log_id=log_id, created_at=at, model=model, provider="p"), route)
    assert await store.reserve_post(log_id, CHANNEL, at, route)
    await store.confirm_post(log_id, ts or f"{at.timestamp():.6f}")
    for i, (rater, clicked) in enumerate(votes.items()):
        when = at + timedelta(minutes=i + 1)
        await store.record_click(Click(log_id, rater, clicked, f"{log_id}{i}", when))


def test_chart_is_a_png_sized_to_the_models() -> None:
    """One bar per model (at most 12) in a PNG whose height grows with the models shown."""
    few = chart_png([Share("gpt-4o", 3, 1)], WEEK)
    many = chart_png([Share(f"model-{i}", i, 1) for i in range(40)], WEEK)
    (width, short), (_, tall) = png_size(few), png_size(many)
    assert width >= 800 and short < tall < 1000


def test_chart_survives_awkward_names() -> None:
    """Dollar signs (mathtext), empty, very long and non-Latin names still draw."""
    names = ["price $5 $x^2$", "", "x" * 500, "模型-中文", "model\nwith\tspace"]
    assert png_size(chart_png([Share(n, 1, 1) for n in names], WEEK))[0] > 0


async def test_digest_posts_message_then_uploads_the_chart(
    store: Store, slack: SlackSandbox
) -> None:
    """The digest message goes to the channel, then the PNG through files upload v2."""
    sample = slack.post_user_message(CHANNEL, "a sample")
    await rated(store, "L1", "gpt-4o", {"U1": 1, "U2": -1}, ts=sample.ts)
    await rated(store, "L2", "claude", {"U1": 1})
    digest = Digest(store=store, publisher=publisher_for(slack), channel=CHANNEL, clock=lambda: NOW)
    report = await digest.post()
    assert (report.stats.posted, report.stats.votes) == (2, 3)
    [chart] = slack.files()
    assert report.chart_file == chart.id and chart.filename == "aig-feedback-2026-11-27.png"
    assert png_size(chart.data)[0] >= 800 and chart.alt_txt
    _, message, shared = slack.messages(CHANNEL)
    assert message.ts == report.ts and "3 votes" in message.text
    assert "sandbox.slack.com/archives" in json.dumps(message.blocks)  # the disputed L1, linked
    assert shared.text.startswith("📊") and chart.message_ts == (shared.ts,)


async def test_digest_without_votes_posts_no_chart(store: Store, slack: SlackSandbox) -> None:
    """A quiet week gets its message but no chart (nothing to draw)."""
    digest = Digest(store=store, publisher=publisher_for(slack), channel=CHANNEL, clock=lambda: NOW)
    report = await digest.post()
    assert report.chart_file is None and slack.files() == []
    assert "no activity" in slack.messages(CHANNEL)[0].text


async def test_digest_upload_failure_is_a_slack_error(store: Store, slack: SlackSandbox) -> None:
    """A refused upload surfaces as SlackError with Slack's error name."""
    await rated(store, "L1", "gpt-4o", {"U1": 1})
    slack.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    digest = Digest(store=store, publisher=publisher_for(slack), channel=CHANNEL, clock=lambda: NOW)
    with pytest.raises(SlackError) as caught:
        await digest.post()
    assert caught.value.error == "not_in_channel"


async def test_digests_per_channel_cover_their_routes(store: Store, slack: SlackSandbox) -> None:
    """Routes sharing a channel get one digest about them; another channel, its own."""

    def route(name: str, channel: str) -> Route:
        return Route(name, "a" * 32, name, "token", "https://api.example", channel)

    routes = (route("us", CHANNEL), route("eu", CHANNEL), route("apac", "C0OTHER"))
    digests = build_digests(routes, store=store, publisher=publisher_for(slack))
    assert {(d.channel, d.routes) for d in digests} == {
        (CHANNEL, frozenset({"us", "eu"})),
        ("C0OTHER", frozenset({"apac"})),
    }
    [single] = build_digests(routes[:1], store=store, publisher=publisher_for(slack))
    assert single.routes is None  # one channel takes every log, whatever its route


async def test_scheduled_digest_posts_only_on_the_leader(store: Store, slack: SlackSandbox) -> None:
    """The cron job posts when this replica leads sampling, and does nothing otherwise."""

    class Follower(MemoryStore):
        async def try_lead(self, name: str) -> bool:
            return False

    digest = Digest(store=store, publisher=publisher_for(slack), channel=CHANNEL, clock=lambda: NOW)
    await leading_job("digest", Follower(), scheduled_digest([digest]))()
    assert slack.messages(CHANNEL) == []
    await leading_job("digest", store, scheduled_digest([digest]))()
    assert len(slack.messages(CHANNEL)) == 1
    assert await store.last_job_run("digest") is not None  # recorded for a catch-up


async def test_scheduled_digest_logs_slack_errors_and_goes_on(
    store: Store, slack: SlackSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """One channel failing does not stop the digest of the next."""
    publisher = publisher_for(slack)
    broken = Digest(store=store, publisher=publisher, channel="C0NOPE", clock=lambda: NOW)
    fine = Digest(store=store, publisher=publisher, channel=CHANNEL, clock=lambda: NOW)
    await scheduled_digest([broken, fine])()
    assert len(slack.messages(CHANNEL)) == 1
    assert "could not post the digest to C0NOPE" in caplog.text


async def test_export_jsonl_has_one_record_per_rated_log(store: Store) -> None:
    """Only logs with a 👍/👎 are exported, each with tally, raters, reasons and notes."""
    await rated(store, "L1", "gpt-4o", {"U1": 1, "U2": -1, "U3": -1})
    await rated(store, "L2", "claude", {})
    await store.add_note(Note("L1", "U2", "reason", NOW, "wrong date", "wrong", -1))
    out = io.StringIO()
    summary = await export(store, out, since=NOW - timedelta(days=30), until=NOW, fmt="jsonl")
    [line] = out.getvalue().splitlines()
    row = json.loads(line)
    assert summary.rows == 1 and row["log_id"] == "L1" and row["verdict"] == -1
    assert row["tally"] == {"up": 1, "down": 2} and row["label"] == "bad"
    assert [r["user"] for r in row["raters"]] == ["U1", "U2", "U3"]
    assert row["reasons"][0] | {"at": None} == {
        "author": "U2",
        "category": "wrong",
        "text": "wrong date",
        "vote": -1,
        "at": None,
    }
    assert row["posted"]["channel"] == CHANNEL and row["model"] == "gpt-4o"


async def test_export_csv_quotes_and_flattens(store: Store) -> None:
    """CSV has a header row; lists become `;`-joined cells, commas and newlines stay quoted."""
    await rated(store, "L1", "gpt, 4o", {"U1": -1, "U2": -1})
    await store.add_note(Note("L1", "U1", "reason", NOW, "line one\nline; two", "unsafe", -1))
    await store.add_note(Note("L1", "U2", "reason", NOW, "", "slow", -1))
    out = io.StringIO()
    await export(store, out, since=NOW - timedelta(days=30), until=NOW, fmt="csv")
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == list(CSV_COLUMNS)
    cells = dict(zip(header, row, strict=True))
    assert cells["model"] == "gpt, 4o" and cells["raters_down"] == "U1; U2"
    assert cells["reason_categories"] == "unsafe; slow"
    assert cells["reasons"] == "U1: line one line, two"


async def test_export_reports_progress_per_batch(store: Store) -> None:
    """The progress callback hears (done, total) as batches are written, ending at the total."""
    for i in range(3):
        await rated(store, f"L{i}", "m", {"U1": 1})
    seen: list[tuple[int, int]] = []
    out = io.StringIO()
    await export(
        store,
        out,
        since=NOW - timedelta(days=1),
        until=NOW,
        fmt="jsonl",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (3, 3)


async def test_export_refuses_unknown_formats(store: Store) -> None:
    """Only jsonl and csv exist."""
    with pytest.raises(ValueError, match="jsonl, csv"):
        await export(store, io.StringIO(), since=NOW, until=NOW, fmt="xml")


def test_progress_bar_redraws_one_line() -> None:
    """The bar rewrites its line with a carriage return and ends it when done."""
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar(1, 4)
    bar(4, 4)
    assert stream.getvalue() == (
        "\rexporting [##........] 1/4 logs\rexporting [##########] 4/4 logs\n"
    )
