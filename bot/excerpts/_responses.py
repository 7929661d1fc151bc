"""Response bodies: the assistant's text across providers, and error bodies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

from bot.excerpts._parts import (
    _parts_text,
    _tool_call,
    _turn_text,
)
from bot.excerpts._text import (
    _MAX_ITEMS,
    _json,
    _list,
    _map,
    _str,
    _take,
)


def _response_text(data: object, budget: int, nested: bool = False) -> str:
    if isinstance(data, list):
        if data and not nested and all(isinstance(c, Mapping) for c in islice(data, _MAX_ITEMS)):
            # Gemini's streamGenerateContent without alt=sse answers with a JSON array of chunks.
            chunks = (_response_text(chunk, budget, nested=True) for chunk in data[:_MAX_ITEMS])
            return _take(chunks, budget, "")
        return _json(data, budget) if data else ""
    if not isinstance(data, Mapping):
        return _json(data, budget)
    if not data:
        return ""
    error = _error_text(data)
    if error:
        return error
    for reader in _RESPONSE_READERS:
        text = reader(data, budget)
        if text is not None:
            return text
    result = data.get("result")
    if not nested and isinstance(result, Mapping | list):  # Workers AI's envelope
        return _response_text(result, budget, nested=True)
    for key in ("response", "completion", "text", "output_text"):
        value = data.get(key)
        if isinstance(value, str):
            return value
        if value is not None and key == "response":  # Workers AI JSON mode
            return _json(value, budget)
    return _json(data, budget)


def _choices_text(data: Mapping[str, Any], budget: int) -> str | None:
    """OpenAI chat completions (and completions): the first choice."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        return None
    choice = _map(choices[0])
    message = _map(choice.get("message"))
    if not message:
        return _str(choice.get("text"))
    pieces: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        pieces.append(content)
    elif isinstance(content, list):
        pieces.append(_parts_text(content, budget))
    pieces.append(_str(message.get("refusal")))
    for call in islice(_list(message.get("tool_calls")), _MAX_ITEMS):
        function = _map(_map(call).get("function"))
        pieces.append(_tool_call(function.get("name"), function.get("arguments")))
    legacy = _map(message.get("function_call"))
    if legacy:
        pieces.append(_tool_call(legacy.get("name"), legacy.get("arguments")))
    return _take(pieces, budget)


def _output_text(data: Mapping[str, Any], budget: int) -> str | None:
    """OpenAI Responses: the `output_text` convenience, else the `output` items."""
    if isinstance(data.get("output_text"), str) and data["output_text"]:
        return str(data["output_text"])
    output = data.get("output")
    if not isinstance(output, list):
        return None
    return _take((_turn_text(_map(item), budget) for item in islice(output, _MAX_ITEMS)), budget)


def _content_text(data: Mapping[str, Any], budget: int) -> str | None:
    """Anthropic messages: text and tool_use blocks."""
    content = data.get("content")
    if not isinstance(content, list):
        return None
    return _parts_text(content, budget)


def _candidates_text(data: Mapping[str, Any], budget: int) -> str | None:
    """Google Gemini: the first candidate's parts, or why the prompt was blocked."""
    candidates = data.get("candidates")
    if not isinstance(candidates, list):
        return None
    if not candidates:
        reason = _str(_map(data.get("promptFeedback")).get("blockReason"))
        return f"[blocked: {reason}]" if reason else ""
    content = _map(_map(candidates[0]).get("content"))
    return _parts_text(_list(content.get("parts")), budget)


def _embedding_text(data: Mapping[str, Any], budget: int) -> str | None:
    """Embedding responses (OpenAI, Workers AI, Gemini, Cohere): their shape, not the numbers."""
    del budget  # the description is short whatever the vectors
    count, first = 0, None
    items = _list(data.get("data"))
    head = items[0] if items else None
    if isinstance(head, Mapping) and "embedding" in head:  # OpenAI
        count, first = len(items), head.get("embedding")
    elif isinstance(head, list) and isinstance(data.get("shape"), list):  # Workers AI
        count, first = len(items), head
    single = _map(data.get("embedding"))
    if "values" in single:  # Gemini embedContent
        count, first = 1, single["values"]
    many = _list(data.get("embeddings"))
    if many:  # Gemini batchEmbedContents, Cohere
        count, first = len(many), many[0]
        first = first.get("values") if isinstance(first, Mapping) else first
    if not count:
        return None
    plural = "" if count == 1 else "s"
    return f"[embedding: {count} vector{plural} of {len(_list(first))} dimensions]"


_RESPONSE_READERS: tuple[Callable[[Mapping[str, Any], int], str | None], ...] = (
    _choices_text,
    _output_text,
    _content_text,
    _candidates_text,
    _embedding_text,
)


def _error_text(data: Mapping[str, Any]) -> str:
    """An error body's message(s): OpenAI/Anthropic/Gemini `error`, Cloudflare `errors`."""
    messages = _messages(data.get("error"))
    if not messages and data.get("success") is False:
        messages = _messages(data.get("errors"))
    return "[error] " + "; ".join(messages) if messages else ""


def _messages(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, Mapping):
        message = value.get("message", value.get("msg"))
        if isinstance(message, str) and message.strip():
            return [message]
        return [_json(value, 500)] if value else []
    if isinstance(value, list):
        return [m for item in islice(value, 5) for m in _messages(item)]
    return []
