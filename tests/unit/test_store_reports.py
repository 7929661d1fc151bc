"""The store's read-only report queries, identical on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cards import Card
from bot.store import Click, Note, Store

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def post(store: Store, log_id: str, at: datetime, *, model: str = "gpt-4o") -> None:
    await store.save_card(Card(log_id=log_id, created_at=at - DAY, model=model, provider="openai"))
    assert await store.reserve_post(log_id, "C0FEEDBACK", at)
    await store.confirm_post(log_id, f"{at.timestamp():.6f}")


async def vote(store: Store, log_id: str, rater: str, clicked: int, at: datetime) -> None:
    click = Click(log_id=log_id, rater=rater, clicked=clicked, action_ts=f"{at.timestamp()}", at=at)
    assert (await store.record_click(click)).recorded


async def test_activity_joins_post_card_and_votes(store: Store) -> None:
    """A posted and rated log comes back with its post, its card and every current vote."""
    await post(store, "L1", T0, model="claude-3-5")
    await vote(store, "L1", "U1", 1, T0 + timedelta(hours=1))
    await vote(store, "L1", "U2", -1, T0 + timedelta(hours=2))
    [log] = await store.activity(T0 - DAY, T0 + DAY)
    assert log.log_id == "L1" and log.route == "default"
    assert log.post is not None and log.post.channel == "C0FEEDBACK" and log.post.posted_at == T0
    assert log.card is not None and log.card.model == "claude-3-5"
    assert [(v.rater, v.value) for v in log.votes] == [("U1", 1), ("U2", -1)]


async def test_activity_window_takes_logs_posted_or_voted_inside_it(store: Store) -> None:
    """Posted in the window, or voted in it, counts; a log touched only before it does not."""
    await post(store, "OLD", T0 - 10 * DAY)
    await post(store, "OLD_BUT_VOTED", T0 - 10 * DAY)
    await vote(store, "OLD_BUT_VOTED", "U1", 1, T0 + timedelta(hours=1))
    await post(store, "NEW", T0 + timedelta(hours=2))
    await vote(store, "OLD", "U1", -1, T0 - 9 * DAY)
    logs = await store.activity(T0, T0 + DAY)
    assert [log.log_id for log in logs] == ["OLD_BUT_VOTED", "NEW"]  # oldest post or vote first
    old = logs[0]
    assert old.post is not None and old.post.posted_at == T0 - 10 * DAY


async def test_activity_end_is_exclusive_and_reservations_are_not_posts(store: Store) -> None:
    """A post at `until` is outside; a reserved post Slack never confirmed is not a sample."""
    await post(store, "AT_END", T0 + DAY)
    assert await store.reserve_post("RESERVED", "C0FEEDBACK", T0 + timedelta(hours=1))
    assert await store.activity(T0, T0 + DAY) == []


async def test_activity_keeps_undone_votes_and_lookups_without_posts(store: Store) -> None:
    """A vote undone shows as 0; a log rated from `/aig log` has no post and its card's route."""
    await store.save_card(Card(log_id="LOOKED", created_at=T0, model="m"), "eu")
    await vote(store, "LOOKED", "U1", 1, T0 + timedelta(hours=1))
    await vote(store, "LOOKED", "U1", 1, T0 + timedelta(hours=2))  # the same button: undo
    [log] = await store.activity(T0, T0 + DAY)
    assert log.post is None and log.route == "eu"
    assert [(v.rater, v.value) for v in log.votes] == [("U1", 0)]


async def test_activity_without_card_still_reports_the_votes(store: Store) -> None:
    """Votes on a log whose card was never stored are not lost from reports."""
    await vote(store, "BARE", "U1", -1, T0 + timedelta(hours=1))
    [log] = await store.activity(T0, T0 + DAY)
    assert log.card is None and log.post is None and log.route == "default"


async def test_notes_for_groups_reasons_and_notes_by_log(store: Store) -> None:
    """Notes of many logs come back at once, by log, oldest first; logs without are absent."""
    await store.add_note(
        Note("L1", "U1", "reason", T0 + timedelta(minutes=2), "made up", "wrong", -1)
    )
    await store.add_note(
        Note("L1", "U2", "note", T0 + timedelta(minutes=1), "see ticket", source="thread")
    )
    await store.add_note(Note("L2", "U1", "reason", T0, "", "slow", -1))
    found = await store.notes_for(["L1", "L2", "L3", "L1"])
    assert set(found) == {"L1", "L2"}
    assert [(n.kind, n.text) for n in found["L1"]] == [
        ("note", "see ticket"),
        ("reason", "made up"),
    ]
    assert found["L2"][0].category == "slow"


async def test_notes_for_many_logs_in_chunks(store: Store) -> None:
    """More log IDs than one IN list holds are looked up in chunks."""
    for i in range(3):
        await store.add_note(Note(f"L{i * 400}", "U1", "note", T0, f"n{i}"))
    found = await store.notes_for([f"L{i}" for i in range(1200)])
    assert sorted(found) == ["L0", "L400", "L800"]
