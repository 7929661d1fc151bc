"""The outbox worker: PATCH → GET → edit, coalescing, retries, parking, verification states."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.cards import Card
from bot.outbox import OutboxWorker, backoff
from bot.publisher import SlackError
from bot.store import Click, MemoryStore
from bot.votes import SyncState
from tests.fakes.gateway import FakeGateway, error
from tests.fakes.publisher import FakePublisher

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass
class Rig:
    store: MemoryStore
    gateway: FakeGateway
    publisher: FakePublisher
    worker: OutboxWorker
    now: datetime = T0

    async def click(
        self, rater: str, clicked: int, log_id: str = "L1", ts: str | None = None
    ) -> None:
        self.now += timedelta(seconds=5)
        await self.store.record_click(
            Click(
                log_id=log_id,
                rater=rater,
                clicked=clicked,
                action_ts=ts or f"{rater}{self.now}",
                at=self.now,
            )
        )

    async def run_due(self) -> None:
        for item in await self.store.due(self.now, 100):
            await self.worker.sync(item)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    store = MemoryStore()
    await store.migrate()
    gateway = FakeGateway()
    publisher = FakePublisher()
    holder: list[Rig] = []
    worker = OutboxWorker(
        store=store,
        gateways=gateway.gateways(),
        publisher=publisher,
        clock=lambda: holder[0].now,
        rng=random.Random(1),
    )
    r = Rig(store, gateway, publisher, worker)
    holder.append(r)
    await store.reserve_post("L1", "C1", T0)
    await store.confirm_post("L1", "111.222")
    await store.save_card(Card(log_id="L1", created_at=T0, model="gpt-4o-mini"))
    yield r
    await store.close()


async def test_vote_is_patched_confirmed_then_shown(rig: Rig) -> None:
    """A 👍 becomes PATCH feedback 1, then a GET, then an edit saying 'saved ✓ verified'."""
    await rig.click("U1", 1)
    await rig.run_due()
    assert rig.gateway.methods() == ["PATCH", "GET"]
    assert rig.gateway.feedback["L1"] == 1
    (edit,) = rig.publisher.of("update")
    assert edit.target == "C1/111.222"
    text = str(edit.message.blocks)
    assert "saved ✓ verified" in text and "<@U1>" in text
    assert await rig.store.due(rig.now, 10) == []


async def test_unreported_feedback_is_saved_not_verifiable(rig: Rig) -> None:
    """When the GET carries no feedback the message says so instead of failing."""
    rig.gateway.report_feedback = False
    await rig.click("U1", -1)
    await rig.run_due()
    assert rig.gateway.feedback["L1"] == -1
    assert "saved (gateway does not report feedback)" in str(
        rig.publisher.of("update")[0].message.blocks
    )


async def test_tie_writes_zero(rig: Rig) -> None:
    """One 👍 and one 👎 write 0, Cloudflare's 'not evaluated'."""
    await rig.click("U1", 1)
    await rig.click("U2", -1)
    await rig.run_due()
    assert rig.gateway.feedback["L1"] == 0


async def test_many_clicks_on_one_log_collapse_into_one_write(rig: Rig) -> None:
    """Ten raters voting before the worker runs cost one PATCH and one GET."""
    for i in range(10):
        await rig.click(f"U{i}", 1 if i % 3 else -1)
    await rig.run_due()
    assert rig.gateway.methods() == ["PATCH", "GET"]
    assert rig.gateway.feedback["L1"] == 1


async def test_server_errors_back_off_then_succeed(rig: Rig) -> None:
    """Two 5xx answers are retried later and the vote still lands."""
    rig.gateway.script = [error(503, 10001, "busy"), error(502, 10001, "bad gateway")]
    await rig.click("U1", 1)
    await rig.run_due()
    item = await rig.store.outbox_item("L1")
    assert item is not None and item.attempts == 1 and item.next_attempt_at > rig.now
    rig.now = item.next_attempt_at
    await rig.run_due()
    rig.now = (await rig.store.outbox_item("L1")).next_attempt_at  # type: ignore[union-attr]
    await rig.run_due()
    assert rig.gateway.feedback["L1"] == 1
    assert (await rig.store.outbox_item("L1")).state == "done"  # type: ignore[union-attr]


async def test_rate_limit_waits_for_retry_after(rig: Rig) -> None:
    """A 429 schedules the next attempt no sooner than Retry-After."""
    rig.gateway.script = [error(429, 971, "Please wait", retry_after="120")]
    await rig.click("U1", 1)
    await rig.run_due()
    item = await rig.store.outbox_item("L1")
    assert item is not None and item.next_attempt_at >= rig.now + timedelta(seconds=120)
    assert "retry" in str(rig.publisher.of("update")[-1].message.blocks).lower()


async def test_missing_log_is_parked_with_retry_button(rig: Rig) -> None:
    """A 404 is not retried; the message says why and offers Retry."""
    rig.gateway.missing.add("L1")
    await rig.click("U1", 1)
    await rig.run_due()
    item = await rig.store.outbox_item("L1")
    assert item is not None and item.state == "parked"
    blocks = str(rig.publisher.of("update")[-1].message.blocks)
    assert "no longer exists" in blocks and "aig_retry_sync" in blocks


async def test_persistent_disagreement_is_reported(rig: Rig) -> None:
    """A GET that keeps reporting another value ends in a mismatch status, after re-GETs."""
    rig.gateway.lie_about_feedback = -1
    await rig.click("U1", 1)
    await rig.run_due()
    assert rig.gateway.methods().count("GET") == 4
    status = await rig.store.sync_status("L1")
    assert status is not None and status.state is SyncState.MISMATCH


async def test_undo_of_the_only_vote_clears_feedback(rig: Rig) -> None:
    """Clicking 👍 twice (seconds apart) writes 1 then 0."""
    await rig.click("U1", 1)
    await rig.run_due()
    await rig.click("U1", 1)
    await rig.run_due()
    assert rig.gateway.feedback["L1"] == 0


def test_backoff_grows_and_is_capped() -> None:
    """Backoff doubles per attempt with jitter and never exceeds five minutes."""
    rng = random.Random(3)
    delays = [backoff(n, rng) for n in range(12)]
    assert 0.5 <= delays[0] <= 1.0
    assert delays[5] > delays[1]
    assert max(delays) <= 300


async def test_a_failed_slack_edit_retries_the_edit_not_the_gateway_write(rig: Rig) -> None:
    """When only chat.update fails, the retry edits the message without a second PATCH or GET."""
    rig.publisher.fail_with = [SlackError("chat.update failed: ratelimited", error="ratelimited")]
    await rig.click("U1", 1)
    await rig.run_due()
    assert rig.gateway.methods() == ["PATCH", "GET"]
    item = await rig.store.outbox_item("L1")
    assert item is not None and item.state == "pending" and item.written
    rig.now = item.next_attempt_at
    await rig.run_due()
    assert rig.gateway.methods() == ["PATCH", "GET"]  # no new gateway calls
    assert "saved ✓ verified" in str(rig.publisher.of("update")[-1].message.blocks)
    assert (await rig.store.outbox_item("L1")).state == "done"  # type: ignore[union-attr]


async def test_a_new_vote_after_a_failed_edit_is_written(rig: Rig) -> None:
    """A click that arrives while only the edit is pending still reaches the gateway."""
    rig.publisher.fail_with = [SlackError("chat.update failed: fatal_error", error="fatal_error")]
    await rig.click("U1", 1)
    await rig.run_due()
    await rig.click("U2", -1)
    rig.now += timedelta(seconds=5)
    await rig.run_due()
    assert rig.gateway.feedback["L1"] == 0
    assert rig.gateway.methods() == ["PATCH", "GET", "PATCH", "GET"]
