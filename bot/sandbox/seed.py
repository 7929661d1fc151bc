"""Seeded gateway logs: deterministic, realistic, and lazy enough for a million of them.

A `LogSource` stores five numbers. Log `i` (0 = oldest) is computed from `(seed, i)` whenever it
is asked for: its timestamp (uniform over the window, stratified so that index order is time
order), its ULID-shaped ID (the first 10 characters encode `created_at` in ms, so IDs sort by
time), and its provider, model, prompt, answer, tokens, cost and metadata. Bodies are rendered
on demand by `_seed_bodies`. Nothing here is mutable: feedback, metadata written by PATCH and
deletions belong to the sandbox's state, not to the seed.
"""

from __future__ import annotations

import json
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.gateway import format_time
from bot.sandbox._seed_corpus import CATEGORIES, CONVERSATIONS, FILLS, HUGE_PROMPT

MetadataValue = str | int | float | bool

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {char: value for value, char in enumerate(CROCKFORD)}
_MASK64 = (1 << 64) - 1
HUGE_BODY_BYTES = 9_900_000  # just under the documented 10 MB cap per stored log


@dataclass(frozen=True, slots=True)
class Variant:
    """A provider endpoint the seeded traffic goes through, and what it costs per 1M tokens."""

    provider: str
    model: str
    path: str
    shape: str  # which request/response body family `_seed_bodies` renders
    weight: int
    price_in: float
    price_out: float
    model_type: str = "chat"


VARIANTS: tuple[Variant, ...] = (
    Variant("openai", "gpt-4o-mini", "chat/completions", "openai-chat", 30, 0.15, 0.60),
    Variant("openai", "gpt-4.1", "chat/completions", "openai-chat", 6, 2.00, 8.00),
    Variant("openai", "gpt-4.1", "responses", "openai-responses", 12, 2.00, 8.00),
    Variant("anthropic", "claude-sonnet-4-20250514", "v1/messages", "anthropic", 20, 3.0, 15.0),
    Variant(
        "workers-ai",
        "@cf/meta/llama-3.1-8b-instruct",
        "@cf/meta/llama-3.1-8b-instruct",
        "workers-ai-messages",
        12,
        0.28,
        0.83,
    ),
    Variant(
        "workers-ai",
        "@cf/meta/llama-3.1-8b-instruct",
        "@cf/meta/llama-3.1-8b-instruct",
        "workers-ai-prompt",
        5,
        0.28,
        0.83,
        "text-generation",
    ),
    Variant(
        "google-ai-studio",
        "gemini-2.5-flash",
        "v1beta/models/gemini-2.5-flash:generateContent",
        "gemini",
        15,
        0.30,
        2.50,
    ),
)
_WEIGHTS = tuple(variant.weight for variant in VARIANTS)
_HUGE_VARIANT = VARIANTS[1]
_BY_CATEGORY: dict[str, tuple[int, ...]] = {
    name: tuple(i for i, c in enumerate(CONVERSATIONS) if c.category == name) for name in CATEGORIES
}


@dataclass(frozen=True, slots=True)
class SeedLog:
    """Everything about one seeded log, as it was when the request happened."""

    index: int
    id: str
    created_ms: int
    variant: Variant
    category: str
    system: str
    turns: tuple[tuple[str, str], ...]  # earlier (user, assistant) exchanges, oldest first
    prompt: str
    answer: str
    status_code: int
    cached: bool
    streamed: bool
    has_payload: bool
    huge: bool
    duration: int
    tokens_in: int | None
    tokens_out: int | None
    cost: float
    metadata: dict[str, MetadataValue]
    token: int  # 64 seeded bits for provider-side IDs in the bodies

    @property
    def success(self) -> bool:
        """Whether the provider answered 2xx."""
        return 200 <= self.status_code < 300

    @property
    def created_at(self) -> datetime:
        """When the request reached the gateway."""
        return datetime.fromtimestamp(self.created_ms / 1000, UTC)

    def to_api(self) -> dict[str, Any]:
        """The list-item fields, in the wire shape (metadata as a JSON string, if any)."""
        item: dict[str, Any] = {
            "id": self.id,
            "created_at": format_time(self.created_at),
            "provider": self.variant.provider,
            "model": self.variant.model,
            "model_type": self.variant.model_type,
            "path": self.variant.path,
            "duration": self.duration,
            "success": self.success,
            "cached": self.cached,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost": self.cost,
            "custom_cost": False,
            "status_code": self.status_code,
            "step": 0,
            "request_content_type": "application/json",
            "response_content_type": "text/event-stream" if self.streamed else "application/json",
        }
        if self.metadata:
            item["metadata"] = json.dumps(self.metadata, separators=(",", ":"))
        return item


@dataclass(frozen=True, slots=True)
class LogSource:
    """`count` seeded logs over `[start_ms, start_ms + window_ms)`; index 0 is the oldest."""

    count: int
    start_ms: int
    window_ms: int
    seed: int = 7
    huge_body_every: int | None = None

    def __len__(self) -> int:
        return self.count

    def created_ms(self, index: int) -> int:
        """Log `index`'s timestamp: uniform within its own slice of the window, so sorted."""
        low = self.start_ms + index * self.window_ms // self.count
        high = self.start_ms + (index + 1) * self.window_ms // self.count
        return low + (_mix(self.seed, index, 3) % (high - low) if high > low else 0)

    def id_at(self, index: int) -> str:
        """Log `index`'s ID: a ULID whose time part is its `created_at`."""
        randomness = _mix(self.seed, index, 2) << 16 | _mix(self.seed, index, 4) & 0xFFFF
        return ulid(self.created_ms(index), randomness)

    def index_of(self, log_id: str) -> int | None:
        """The index of the log with this ID, or None; found by bisecting its timestamp."""
        ms = ulid_ms(log_id)
        if ms is None:
            return None
        for index in range(self.first_at_or_after(ms), self.first_after(ms)):
            if self.id_at(index) == log_id:
                return index
        return None

    def first_at_or_after(self, ms: int) -> int:
        """The lowest index whose timestamp is `>= ms` (`count` when none is)."""
        return bisect_left(range(self.count), ms, key=self.created_ms)

    def first_after(self, ms: int) -> int:
        """The lowest index whose timestamp is `> ms` (`count` when none is)."""
        return bisect_right(range(self.count), ms, key=self.created_ms)

    def is_huge(self, index: int) -> bool:
        """Whether this log carries the ~10 MB response (every k-th, counting from the newest)."""
        every = self.huge_body_every
        return every is not None and (self.count - 1 - index) % every == 0

    def log(self, index: int) -> SeedLog:
        """Log `index`, computed from the seed (nothing is cached)."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        return _build_log(self, index)


def build_logs(
    count: int,
    *,
    now: datetime,
    window: timedelta = timedelta(hours=24),
    seed: int = 7,
    huge_body_every: int | None = None,
) -> LogSource:
    """`count` realistic logs spread uniformly over the `window` that ends at `now`.

    With `huge_body_every=k`, the newest log and every k-th one before it carry a ~10 MB
    response body, for testing what renders it.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    if huge_body_every is not None and huge_body_every < 1:
        raise ValueError("huge_body_every must be >= 1")
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    end_ms = int(aware.timestamp() * 1000)
    window_ms = max(1, int(window.total_seconds() * 1000))
    return LogSource(count, end_ms - window_ms, window_ms, seed, huge_body_every)


def ulid(ms: int, randomness: int) -> str:
    """A 26-character ULID: 48-bit milliseconds then 80 random bits, Crockford base32."""
    value = (ms & ((1 << 48) - 1)) << 80 | randomness & ((1 << 80) - 1)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def ulid_ms(log_id: str) -> int | None:
    """The millisecond timestamp in a ULID, or None if `log_id` is not one."""
    if len(log_id) != 26:
        return None
    ms = 0
    for char in log_id[:10]:
        digit = _DECODE.get(char)
        if digit is None:
            return None
        ms = ms << 5 | digit
    if any(char not in _DECODE for char in log_id[10:]) or ms >= 1 << 48:
        return None
    return ms


def _mix(seed: int, index: int, salt: int) -> int:
    """SplitMix64 of (seed, index, salt): cheap, well-spread, reproducible bits."""
    z = seed * 0x9E3779B97F4A7C15 + index * 0xBF58476D1CE4E5B9 + salt * 0x94D049BB133111EB
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _build_log(source: LogSource, index: int) -> SeedLog:
    rng = random.Random(_mix(source.seed, index, 1))
    huge = source.is_huge(index)
    variant = _HUGE_VARIANT if huge else rng.choices(VARIANTS, weights=_WEIGHTS)[0]
    fills = {key: rng.choice(values) for key, values in FILLS.items()}
    conversation = CONVERSATIONS[rng.randrange(len(CONVERSATIONS))]
    category = CATEGORIES[conversation.category]
    turns: tuple[tuple[str, str], ...] = ()
    if variant.shape != "workers-ai-prompt" and rng.random() < 0.15:
        earlier = CONVERSATIONS[rng.choice(_BY_CATEGORY[conversation.category])]
        turns = ((_fill(earlier.prompt, fills), _fill(earlier.answer, fills)),)
    prompt = HUGE_PROMPT if huge else _fill(conversation.prompt, fills)
    answer = "" if huge else _fill(conversation.answer, fills)

    roll = rng.random()
    status = 200 if huge or roll >= 0.05 else 429 if roll < 0.03 else _server_error(variant)
    success = status == 200
    cached = success and not huge and rng.random() < 0.06
    streamed = variant.shape == "openai-chat" and success and not cached and not huge
    streamed = streamed and rng.random() < 0.1
    has_payload = huge or rng.random() >= 0.02

    chars_in = len(category.system) + len(prompt) + sum(len(u) + len(a) for u, a in turns)
    tokens_in: int | None = chars_in // 4 + 7 * (2 + 2 * len(turns))
    tokens_out: int | None = (HUGE_BODY_BYTES if huge else len(answer)) // 4 + 1
    if not success or (variant.provider == "workers-ai" and rng.random() < 0.4):
        tokens_in = tokens_out = None
    duration = _duration(rng, success=success, cached=cached, tokens_out=tokens_out)
    cost = 0.0
    if success and not cached and tokens_in is not None and tokens_out is not None:
        cost = round((tokens_in * variant.price_in + tokens_out * variant.price_out) / 1e6, 8)

    return SeedLog(
        index=index,
        id=source.id_at(index),
        created_ms=source.created_ms(index),
        variant=variant,
        category=conversation.category,
        system=category.system,
        turns=turns,
        prompt=prompt,
        answer=answer,
        status_code=status,
        cached=cached,
        streamed=streamed,
        has_payload=has_payload,
        huge=huge,
        duration=duration,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost=cost,
        metadata=_metadata(rng, conversation.category, fills),
        token=_mix(source.seed, index, 5),
    )


def _fill(template: str, fills: dict[str, str]) -> str:
    for key, value in fills.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def _server_error(variant: Variant) -> int:
    return {"anthropic": 529, "google-ai-studio": 503}.get(variant.provider, 500)


def _duration(rng: random.Random, *, success: bool, cached: bool, tokens_out: int | None) -> int:
    if cached:
        return rng.randint(4, 40)
    if not success:
        return rng.randint(60, 1500)
    per_token = rng.uniform(8.0, 25.0)
    return rng.randint(250, 900) + int(min(tokens_out or 150, 4000) * per_token)


def _metadata(rng: random.Random, category: str, fills: dict[str, str]) -> dict[str, MetadataValue]:
    """Request-time `cf-aig-metadata`: at most 5 flat entries, absent on ~12% of logs."""
    if rng.random() < 0.12:
        return {}
    team = CATEGORIES[category]
    meta: dict[str, MetadataValue] = {"team": team.team, "feature": team.feature}
    meta["user"] = f"u-{rng.randint(100, 999)}"
    if category in ("support", "classify"):
        meta["ticket"] = int(fills["ticket"])
    elif category == "code":
        meta["repo"] = rng.choice(("web-app", "billing-api", "infra", "mobile"))
    elif category == "summary":
        meta["doc"] = f"doc-{rng.randint(1000, 9999)}"
    if rng.random() < 0.5:
        meta["env"] = "prod" if rng.random() < 0.85 else "staging"
    elif rng.random() < 0.3:
        meta["beta"] = True
    return meta
