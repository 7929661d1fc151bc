"""Short, readable excerpts of the LLM request and response bodies AI Gateway stores.

Owns: finding the last user turn in a request body and the assistant's text in a response
body, across the shapes the gateway proxies (OpenAI chat completions, Responses and completions,
Anthropic messages, Workers AI, Google Gemini, embeddings, error bodies, server-sent event
streams), with a compact-JSON or plain-text fallback, a bounded result and bounded work.

Must not: do IO, or spend time in proportion to a body's size beyond the parse already paid for
(a stored body can be many megabytes; only a few thousand characters are ever shown).

    _text       clipping, sanitising, bounded compact JSON
    _parts      message parts and turns across providers
    _requests   the last user turn, or the whole conversation
    _responses  the assistant's text, and error bodies
    _stream     server-sent event streams
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.excerpts._requests import (
    _conversation,
    _prompt_raw,
)
from bot.excerpts._responses import (
    _response_text,
)
from bot.excerpts._stream import (
    _looks_like_stream,
    _stream_text,
)
from bot.excerpts._text import (
    DEFAULT_LIMIT,
    EMPTY,
    FULL_LIMIT,
    NOT_STORED,
    NOTES,
    _blank,
    _budget,
    _finish,
    _tidy,
    clip,
    sanitize,
)
from bot.gateway import Body

__all__ = [
    "EMPTY",
    "FULL_LIMIT",
    "NOTES",
    "NOT_STORED",
    "FullText",
    "clip",
    "full_text",
    "prompt_excerpt",
    "response_excerpt",
    "sanitize",
]


def prompt_excerpt(body: Body | None, limit: int = DEFAULT_LIMIT) -> str:
    """The last user turn of a request body, at most `limit` characters."""
    if body is None or _blank(body):
        return clip(NOT_STORED, limit)
    budget = _budget(limit)
    return _finish(_prompt_raw(body, budget), limit, budget)


def response_excerpt(body: Body | None, limit: int = DEFAULT_LIMIT) -> str:
    """The assistant's text in a response body (or its error), at most `limit` characters."""
    if body is None or _blank(body):
        return clip(NOT_STORED, limit)
    budget = _budget(limit)
    return _finish(_response_raw(body, budget), limit, budget)


@dataclass(frozen=True, slots=True)
class FullText:
    """A whole prompt or response, as far as `limit` allowed; `complete` is False when cut."""

    text: str
    complete: bool = True


def full_text(
    body: Body | None, limit: int = FULL_LIMIT, *, kind: Literal["prompt", "response"]
) -> FullText:
    """The whole prompt (every turn of a conversation, labelled with its role, after the system
    prompt) or the whole response of a log, at most `limit` characters, tidied like an excerpt.
    Work stays bounded by `limit`, however big the body."""
    if body is None or _blank(body):
        return FullText(clip(NOT_STORED, limit))
    budget = _budget(limit)
    raw = _conversation(body, budget) if kind == "prompt" else _response_raw(body, budget)
    complete = len(raw) <= budget and len(_tidy(raw, budget)) <= limit
    return FullText(_finish(raw, limit, budget), complete)


def _response_raw(body: Body, budget: int) -> str:
    if body.data is not None:
        return _response_text(body.data, budget)
    if _looks_like_stream(body.text):
        streamed = _stream_text(body.text, budget)
        if streamed.strip():
            return streamed
    return body.text
