"""A SlackPublisher that records instead of calling Slack, for outbox and sampler unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.blocks import Message
from bot.publisher import SlackError, SlackPublisher


@dataclass
class Published:
    """One recorded call."""

    kind: str
    target: str
    message: Message


@dataclass
class FakePublisher(SlackPublisher):
    """Records posts, edits and responses; `fail_with` makes the next calls raise."""

    calls: list[Published] = field(default_factory=list)
    fail_with: list[SlackError] = field(default_factory=list)
    next_ts: int = 1

    def __post_init__(self) -> None:
        pass  # no Web API client behind this fake

    def _maybe_fail(self) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)

    async def post(self, channel: str, message: Message) -> str:
        self._maybe_fail()
        ts = f"1700000000.{self.next_ts:06d}"
        self.next_ts += 1
        self.calls.append(Published("post", f"{channel}/{ts}", message))
        return ts

    async def update(self, channel: str, ts: str, message: Message) -> None:
        self._maybe_fail()
        self.calls.append(Published("update", f"{channel}/{ts}", message))

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        self._maybe_fail()
        self.calls.append(Published("ephemeral", f"{channel}/{user}", message))

    async def respond(self, response_url: str, message: Message, *, replace_original: bool) -> None:
        self._maybe_fail()
        self.calls.append(Published("respond", response_url, message))

    def of(self, kind: str) -> list[Published]:
        """The recorded calls of one kind."""
        return [c for c in self.calls if c.kind == kind]
