"""Server-sent event streams: the deltas of a streamed response, joined."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from bot.excerpts._parts import (
    _tool_call,
)
from bot.excerpts._responses import (
    _candidates_text,
    _error_text,
)
from bot.excerpts._text import (
    _MAX_ITEMS,
    _TOOL_ARGS,
    _list,
    _map,
)

_MAX_LINES = 200_000  # lines of an event stream scanned before giving up
_STREAM_PREFIXES = ("data:", "event:", "id:", "retry:", ":", "{")


def _looks_like_stream(text: str) -> bool:
    head = text[:256].lstrip()
    return head.startswith(_STREAM_PREFIXES)


def _lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield text[start:end]
        start = end + 1


def _stream_text(text: str, budget: int) -> str:
    """Concatenate the deltas of an SSE stream (or newline-delimited JSON chunks)."""
    acc = _Deltas(budget)
    for line in islice(_lines(text), _MAX_LINES):
        stripped = line.strip()
        if stripped.startswith("data:"):
            stripped = stripped[5:].strip()
        if not stripped.startswith("{"):
            continue  # event:, id:, comments, [DONE]
        try:
            event = json.loads(stripped)
        except ValueError:
            continue
        if isinstance(event, Mapping):
            acc.feed(event)
        if acc.full():
            break
    return acc.result()


class _Deltas:
    """Accumulates streamed text and tool calls across the providers' event shapes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.text: list[str] = []
        self.size = 0
        self.tools: dict[str, list[str]] = {}
        self.errors: list[str] = []

    def full(self) -> bool:
        return self.size > self.budget

    def add(self, value: object) -> None:
        if isinstance(value, str) and value:
            self.text.append(value[: self.budget])
            self.size += len(self.text[-1])

    def tool(self, key: str, name: object, args: object) -> None:
        if key not in self.tools and len(self.tools) >= _MAX_ITEMS:
            return
        entry = self.tools.setdefault(key, ["", ""])
        if isinstance(name, str) and name:
            entry[0] = name
        if isinstance(args, str) and len(entry[1]) <= _TOOL_ARGS:
            entry[1] += args

    def feed(self, event: Mapping[str, Any]) -> None:
        error = _error_text(event)
        if error:
            self.errors.append(error)
            return
        kind = event.get("type")
        choices = event.get("choices")
        if isinstance(choices, list):  # OpenAI chat completions and completions
            choice = _map(choices[0]) if choices else {}
            delta = _map(choice.get("delta"))
            self.add(delta.get("content") if delta else choice.get("text"))
            for call in islice(_list(delta.get("tool_calls")), _MAX_ITEMS):
                function = _map(_map(call).get("function"))
                key = f"choice:{_map(call).get('index', 0)}"
                self.tool(key, function.get("name"), function.get("arguments"))
        elif kind == "content_block_start":  # Anthropic
            block = _map(event.get("content_block"))
            if block.get("type") == "tool_use":
                self.tool(f"block:{event.get('index')}", block.get("name"), None)
            else:
                self.add(block.get("text"))
        elif kind == "content_block_delta":
            delta = _map(event.get("delta"))
            self.add(delta.get("text"))
            self.tool_delta(f"block:{event.get('index')}", delta.get("partial_json"))
        elif kind == "response.output_text.delta":  # OpenAI Responses
            self.add(event.get("delta"))
        elif kind == "response.output_item.added":
            item = _map(event.get("item"))
            if item.get("type") == "function_call":
                self.tool(f"item:{event.get('output_index')}", item.get("name"), None)
        elif kind == "response.function_call_arguments.delta":
            self.tool_delta(f"item:{event.get('output_index')}", event.get("delta"))
        elif isinstance(event.get("candidates"), list):  # Gemini
            self.add(_candidates_text(event, self.budget))
        else:  # Workers AI ({"response": …}), Ollama-style ({"message": {"content": …}})
            self.add(event.get("response"))
            self.add(_map(event.get("message")).get("content"))

    def tool_delta(self, key: str, args: object) -> None:
        if key in self.tools:
            self.tool(key, None, args)

    def result(self) -> str:
        calls = [_tool_call(name or "?", args) for name, args in self.tools.values()]
        return "\n".join(p for p in ("".join(self.text), *calls, *self.errors) if p)
