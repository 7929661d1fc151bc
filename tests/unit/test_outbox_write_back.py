"""AIG_WRITE_SCORE and AIG_WRITE_METADATA: what the outbox writes back, against the gateway
stand-in over loopback HTTP (which keeps metadata and its 5-entry cap as documented)."""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import ids
from bot.cards import Card
from bot.gateway import Budget
from bot.outbox import METADATA_CAP, RATERS_KEY, REASON_KEY, OutboxWorker, merged_metadata
from bot.routes import Gateways, Route
from bot.sandbox import GatewaySandbox, build_logs
from bot.store import Click, MemoryStore, Note
from tests.fakes.publisher import FakePublisher

NOW = datetime.now(UTC)


@dataclass
class Rig:
    """An outbox worker on the memory store, writing to the gateway sandbox."""

    store: MemoryStore
    gateway: GatewaySandbox
    publisher: FakePublisher
    worker: OutboxWorker
    ticks: itertools.count[int]

    def log_with(self, entries: int) -> str:
        """A log whose request-time metadata has exactly `entries` entries."""
        return next(i for i in self.gateway.log_ids if len(self.gateway.metadata_of(i)) == entries)

    async def vote(self, log_id: str, rater: str, clicked: int) -> None:
        at = NOW + timedelta(seconds=10 * next(self.ticks))
        await self.store.record_click(Click(log_id, rater, clicked, f"{rater}{at}", at))

    async def reason(self, log_id: str, category: str, author: str = "U1") -> None:
        at = NOW + timedelta(seconds=10 * next(self.ticks))
        await self.store.add_note(Note(log_id, author, "reason", at, "why", category, -1))

    async def sync(self) -> None:
        for item in await self.store.due(NOW + timedelta(days=1), 100):
            await self.worker.sync(item)

    def patches(self, log_id: str) -> list[Any]:
        return [call.json for call in self.gateway.calls_for("patch", log_id)]


@pytest.fixture
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    score, metadata = getattr(request, "param", (True, True))
    gateway = GatewaySandbox(logs=build_logs(80, now=NOW))
    await gateway.start()
    store = MemoryStore()
    await store.migrate()
    route = Route(
        name="default",
        account_id=gateway.account_id,
        gateway_id=gateway.gateway_id,
        api_token=gateway.token,
        api_base_url=gateway.url,
        channel="C1",
    )
    gateways = Gateways((route,), Budget(1000))
    publisher = FakePublisher()
    worker = OutboxWorker(
        store=store,
        gateways=gateways,
        publisher=publisher,
        clock=lambda: NOW + timedelta(days=1),
        rng=random.Random(1),
        write_score=score,
        write_metadata=metadata,
    )
    yield Rig(store, gateway, publisher, worker, itertools.count(1))
    await gateways.aclose()
    await store.close()
    await gateway.stop()


async def test_score_is_the_share_of_thumbs_up(rig: Rig) -> None:
    """Two 👍 and one 👎: PATCH carries score 66.67 beside the feedback; the log keeps it."""
    log_id = rig.log_with(3)
    for rater, clicked in (("U1", 1), ("U2", 1), ("U3", -1)):
        await rig.vote(log_id, rater, clicked)
    await rig.sync()
    assert rig.patches(log_id)[-1]["score"] == 66.67
    assert rig.patches(log_id)[-1]["feedback"] == 1
    assert rig.gateway.score_of(log_id) == 66.67


async def test_no_score_when_nobody_holds_a_vote(rig: Rig) -> None:
    """A vote undone leaves no votes: feedback 0 is written and no score at all."""
    log_id = rig.log_with(3)
    await rig.vote(log_id, "U1", 1)
    await rig.vote(log_id, "U1", 1)  # the same button again undoes it
    await rig.sync()
    assert "score" not in rig.patches(log_id)[-1]
    assert rig.gateway.score_of(log_id) is None


async def test_metadata_is_merged_keeping_the_applications_keys(rig: Rig) -> None:
    """GET first, then one PATCH whose metadata is the application's entries plus the most
    common reason and the raters count; the log keeps all of them, then a confirming GET."""
    log_id = rig.log_with(3)
    before = rig.gateway.metadata_of(log_id)
    await rig.reason(log_id, "wrong")
    await rig.reason(log_id, "unsafe", "U2")
    await rig.reason(log_id, "wrong", "U2")
    await rig.vote(log_id, "U1", -1)
    await rig.vote(log_id, "U2", -1)
    await rig.sync()
    operations = [c.operation for c in rig.gateway.calls if c.log_id == log_id]
    assert operations == ["get", "patch", "get"]
    expected = before | {REASON_KEY: "wrong", RATERS_KEY: 2}
    assert rig.patches(log_id) == [{"feedback": -1, "score": 0.0, "metadata": expected}]
    assert rig.gateway.metadata_of(log_id) == expected
    assert len(expected) == METADATA_CAP


@pytest.mark.parametrize("entries", [4, 5])
async def test_metadata_over_the_cap_is_skipped_with_a_warning(
    rig: Rig, entries: int, caplog: pytest.LogCaptureFixture
) -> None:
    """When our keys would take the log past 5 entries the metadata is not written (so no
    application key can be dropped), a warning says why, and feedback is written anyway."""
    log_id = rig.log_with(entries)
    before = rig.gateway.metadata_of(log_id)
    await rig.reason(log_id, "wrong")
    await rig.vote(log_id, "U1", -1)
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        await rig.sync()
    assert rig.patches(log_id) == [{"feedback": -1, "score": 0.0}]
    assert rig.gateway.feedback_of(log_id) == -1
    assert rig.gateway.metadata_of(log_id) == before
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert log_id in warning.getMessage() and "cap of 5" in warning.getMessage()


async def test_unchanged_metadata_is_not_written_again(rig: Rig) -> None:
    """A second sync with the same reason and raters leaves metadata out of the PATCH."""
    log_id = rig.log_with(3)
    await rig.reason(log_id, "slow")
    await rig.vote(log_id, "U1", -1)
    await rig.sync()
    await rig.store.requeue(log_id, NOW + timedelta(hours=1))
    await rig.sync()
    assert ["metadata" in patch for patch in rig.patches(log_id)] == [True, False]


@pytest.mark.parametrize("rig", [(False, False)], indirect=True)
async def test_switches_off_write_feedback_only(rig: Rig) -> None:
    """By default the PATCH is `{"feedback": …}` alone and no GET precedes it."""
    log_id = rig.log_with(3)
    await rig.reason(log_id, "wrong")
    await rig.vote(log_id, "U1", -1)
    await rig.sync()
    assert [c.operation for c in rig.gateway.calls if c.log_id == log_id] == ["patch", "get"]
    assert rig.patches(log_id) == [{"feedback": -1}]


async def test_the_edited_sample_shows_its_reasons(rig: Rig) -> None:
    """The message edit after a sync carries the notes line."""
    log_id = rig.log_with(3)
    await rig.store.reserve_post(log_id, "C1", NOW)
    await rig.store.confirm_post(log_id, "111.222")
    await rig.store.save_card(Card(log_id=log_id, created_at=NOW))
    await rig.reason(log_id, "formatting")
    await rig.vote(log_id, "U1", -1)
    await rig.sync()
    (edit,) = rig.publisher.of("update")
    (line,) = [b for b in edit.message.blocks if b.get("block_id") == ids.NOTES_BLOCK]
    assert "formatting ×1" in line["elements"][0]["text"]


def test_merge_keeps_every_key_or_gives_up() -> None:
    """Our keys overwrite only themselves; past the cap the merge is refused."""
    assert merged_metadata({"a": 1, "aig_raters": 1}, {"aig_raters": 2}) == {
        "a": 1,
        "aig_raters": 2,
    }
    assert merged_metadata({k: k for k in "abcd"}, {"x": 1, "y": 2}) is None
