"""The store's behaviour, identical for the memory and the SQLite file implementations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cards import Card
from bot.store import SCHEMA_VERSION, Click, SqlStore, Store, build_store
from bot.votes import SyncState, SyncStatus, Tally

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def click(rater: str, clicked: int, ts: str, at: datetime = T0, log_id: str = "L1") -> Click:
    return Click(log_id=log_id, rater=rater, clicked=clicked, action_ts=ts, at=at)


async def test_migrate_is_idempotent_and_versioned(store: Store) -> None:
    """Running migrations twice keeps the schema at the newest revision."""
    assert await store.migrate() == SCHEMA_VERSION


async def test_vote_then_same_vote_again_undoes_it(store: Store) -> None:
    """Clicking your current vote again (not a double click) clears it."""
    first = await store.record_click(click("U1", 1, "1.1"))
    second = await store.record_click(click("U1", 1, "1.2", T0 + timedelta(seconds=5)))
    assert (first.value, second.value) == (1, 0)
    assert Tally.from_votes(await store.votes("L1")).verdict == 0


async def test_changing_vote_replaces_it(store: Store) -> None:
    """👍 then 👎 leaves one 👎, not both."""
    await store.record_click(click("U1", 1, "1.1"))
    await store.record_click(click("U1", -1, "1.2", T0 + timedelta(seconds=5)))
    tally = Tally.from_votes(await store.votes("L1"))
    assert (tally.up, tally.down) == ((), ("U1",))


async def test_redelivered_click_counts_once(store: Store) -> None:
    """The same action_ts delivered twice changes nothing the second time."""
    await store.record_click(click("U1", 1, "1.1"))
    again = await store.record_click(click("U1", 1, "1.1", T0 + timedelta(seconds=30)))
    assert not again.recorded
    assert Tally.from_votes(await store.votes("L1")).up == ("U1",)


async def test_double_click_does_not_undo(store: Store) -> None:
    """The same button twice within a second is one click, not a vote and its undo."""
    await store.record_click(click("U1", 1, "1.1"))
    again = await store.record_click(click("U1", 1, "1.2", T0 + timedelta(milliseconds=400)))
    assert not again.recorded and again.value == 1


async def test_verdict_is_sign_of_sum_with_ties_cleared(store: Store) -> None:
    """Two 👍 and one 👎 give +1; a 1–1 tie gives 0."""
    await store.record_click(click("U1", 1, "1"))
    await store.record_click(click("U2", -1, "2"))
    assert Tally.from_votes(await store.votes("L1")).verdict == 0
    await store.record_click(click("U3", 1, "3"))
    assert Tally.from_votes(await store.votes("L1")).verdict == 1


async def test_click_queues_one_outbox_row_per_log(store: Store) -> None:
    """Many clicks on one log coalesce into one due outbox row with a rising generation."""
    for i, rater in enumerate(["U1", "U2", "U3"]):
        await store.record_click(click(rater, 1, str(i)))
    due = await store.due(T0 + timedelta(seconds=1), 10)
    assert [(d.log_id, d.generation) for d in due] == [("L1", 3)]


async def test_finish_only_when_no_newer_click(store: Store) -> None:
    """A sync of an older generation leaves the row pending for the newer votes."""
    await store.record_click(click("U1", 1, "1"))
    item = (await store.due(T0, 10))[0]
    await store.record_click(click("U2", 1, "2"))
    status = SyncStatus(SyncState.VERIFIED, 1)
    assert not await store.finish("L1", item.generation, status, T0)
    later = T0 + timedelta(seconds=3)
    assert len(await store.due(later, 10)) == 1
    newer = (await store.due(later, 10))[0]
    assert await store.finish("L1", newer.generation, status, later)
    assert await store.due(later, 10) == []
    assert await store.sync_status("L1") == status


async def test_retry_later_delays_and_park_stops(store: Store) -> None:
    """retry_later hides the row until its time; park removes it until requeued."""
    await store.record_click(click("U1", 1, "1"))
    item = (await store.due(T0, 10))[0]
    status = SyncStatus(SyncState.RETRYING, 1)
    await store.retry_later("L1", item.generation, T0 + timedelta(seconds=60), "503", status)
    assert await store.due(T0 + timedelta(seconds=59), 10) == []
    again = (await store.due(T0 + timedelta(seconds=61), 10))[0]
    assert again.attempts == 1
    await store.park("L1", again.generation, "404", SyncStatus(SyncState.FAILED, 1, "gone"))
    assert await store.due(T0 + timedelta(days=1), 10) == []
    assert (await store.depth()).parked == 1
    assert await store.requeue("L1", T0)
    assert len(await store.due(T0, 10)) == 1


async def test_posts_are_reserved_once(store: Store) -> None:
    """A log can be reserved for posting only once, and released only before it is confirmed."""
    assert await store.reserve_post("L1", "C1", T0)
    assert not await store.reserve_post("L1", "C1", T0)
    assert await store.unposted(["L1", "L2"]) == ["L2"]
    await store.confirm_post("L1", "123.456")
    await store.release_post("L1")
    post = await store.post("L1")
    assert post is not None and post.ts == "123.456"
    await store.reserve_post("L2", "C1", T0)
    await store.release_post("L2")
    assert await store.unposted(["L2"]) == ["L2"]


async def test_a_post_is_found_by_its_message(store: Store) -> None:
    """A thread's parent (channel and ts) leads back to the log posted there, and only it."""
    await store.reserve_post("L1", "C1", T0)
    await store.confirm_post("L1", "123.456")
    await store.reserve_post("L2", "C2", T0)  # reserved, never confirmed: no ts yet
    post = await store.post_by_ts("C1", "123.456")
    assert post is not None and (post.log_id, post.channel) == ("L1", "C1")
    assert await store.post_by_ts("C2", "123.456") is None
    assert await store.post_by_ts("C1", "999.000") is None


async def test_cards_round_trip(store: Store) -> None:
    """A saved card comes back equal."""
    card = Card(log_id="L1", created_at=T0, model="m", prompt="hi", metadata={"team": "x"})
    await store.save_card(card)
    assert await store.card("L1") == card


async def test_sqlite_file_survives_reopen(tmp_path: Path) -> None:
    """Votes and outbox rows written to the file are there after the process reopens it."""
    path = str(tmp_path / "durable.db")
    first = build_store(f"sqlite:///{path}")
    await first.migrate()
    await first.record_click(click("U1", -1, "1"))
    await first.close()
    second = build_store(f"sqlite:///{path}")
    await second.migrate()
    assert [v.value for v in await second.votes("L1")] == [-1]
    assert len(await second.due(T0 + timedelta(seconds=1), 10)) == 1
    await second.close()


async def test_claims_are_exclusive_until_the_lease_ends(store: Store) -> None:
    """A claimed item is not handed to a second worker until its lease expires."""
    await store.record_click(click("U1", 1, "1"))
    first = await store.claim(T0, 10, owner="a", lease_seconds=30)
    assert [i.log_id for i in first] == ["L1"]
    assert await store.claim(T0 + timedelta(seconds=10), 10, owner="b", lease_seconds=30) == []
    taken = await store.claim(T0 + timedelta(seconds=31), 10, owner="b", lease_seconds=30)
    assert [i.log_id for i in taken] == ["L1"]


async def test_finish_releases_the_claim(store: Store) -> None:
    """A new click after a finished sync can be claimed again at once."""
    await store.record_click(click("U1", 1, "1"))
    (item,) = await store.claim(T0, 10, owner="a", lease_seconds=30)
    await store.record_click(click("U2", 1, "2"))
    assert not await store.finish("L1", item.generation, SyncStatus(SyncState.VERIFIED, 1), T0)
    later = T0 + timedelta(seconds=3)
    assert [i.generation for i in await store.claim(later, 10, owner="b", lease_seconds=30)] == [2]


async def test_a_click_on_a_quiet_log_is_due_at_once(store: Store) -> None:
    """The first vote on a log is synced immediately, without any settling delay."""
    await store.record_click(click("U1", 1, "1"))
    assert [i.log_id for i in await store.due(T0, 10)] == ["L1"]


async def test_a_burst_of_clicks_settles_before_the_next_sync(store: Store) -> None:
    """Clicks while a log is queued wait until they pause, but at most two seconds in all."""
    await store.record_click(click("U1", 1, "1"))
    for i in range(2, 12):
        await store.record_click(click(f"U{i}", 1, str(i), T0 + timedelta(milliseconds=100 * i)))
    assert await store.due(T0 + timedelta(milliseconds=1000), 10) == []
    assert len(await store.due(T0 + timedelta(milliseconds=1500), 10)) == 1
    for i in range(12, 40):
        await store.record_click(click(f"U{i}", 1, str(i), T0 + timedelta(milliseconds=100 * i)))
    assert len(await store.due(T0 + timedelta(seconds=2), 10)) == 1  # capped, despite more clicks


async def test_routes_are_remembered_with_cards(store: Store) -> None:
    """A card saved for a route reports that route."""
    await store.save_card(Card(log_id="L9", created_at=T0), route="eu")
    assert await store.route_of("L9") == "eu"
    assert await store.route_of("nope") is None


async def test_migrations_build_exactly_the_tables_the_queries_use(tmp_path: Path) -> None:
    """Alembic's migrations and the query tables agree (no drift between them)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.store._tables import metadata

    store = SqlStore(f"sqlite:///{tmp_path / 'm.db'}")
    await store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    await store.close()
    assert diff == []


async def test_notes_are_kept_in_order(store: Store) -> None:
    """Reasons and notes on a log come back oldest first, with their fields."""
    from bot.store import Note

    await store.add_note(
        Note("L1", "U2", "note", T0 + timedelta(seconds=2), text="see docs", source="thread")
    )
    await store.add_note(Note("L1", "U1", "reason", T0, text="made up", category="wrong", vote=-1))
    await store.add_note(Note("L2", "U1", "note", T0, text="other log"))
    kept = await store.notes("L1")
    assert [(n.author, n.kind, n.category, n.vote, n.source) for n in kept] == [
        ("U1", "reason", "wrong", -1, "modal"),
        ("U2", "note", None, None, "thread"),
    ]


async def test_concurrent_clicks_are_committed_together_and_each_counted(store: Store) -> None:
    """Clicks recorded at once (a burst) all land, each once, with their own outcomes."""
    import asyncio

    clicks = [
        click(f"U{i}", 1 if i % 2 else -1, str(i), T0 + timedelta(seconds=i)) for i in range(30)
    ]
    outcomes = await asyncio.gather(*(store.record_click(c) for c in clicks))
    assert [o.value for o in outcomes] == [c.clicked for c in clicks]
    assert len({o.generation for o in outcomes}) == 30  # one generation per click, in order
    assert Tally.from_votes(await store.votes("L1")).count == 30


async def test_a_bad_click_in_a_burst_does_not_sink_the_others(store: Store) -> None:
    """A click the database refuses fails alone; the clicks committed with it still land."""
    import asyncio

    good = [click(f"U{i}", 1, str(i)) for i in range(5)]
    bad = Click(log_id=None, rater="U9", clicked=1, action_ts="9", at=T0)  # type: ignore[arg-type]
    results = await asyncio.gather(
        *(store.record_click(c) for c in [*good[:2], bad, *good[2:]]), return_exceptions=True
    )
    assert isinstance(results[2], Exception)
    assert Tally.from_votes(await store.votes("L1")).count == 5
