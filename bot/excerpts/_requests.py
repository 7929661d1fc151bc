"""Request bodies: the last user turn (excerpts) or the whole conversation (Show full)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

from bot.excerpts._parts import (
    _is_user,
    _parts_text,
    _turn_text,
)
from bot.excerpts._text import (
    _MAX_ITEMS,
    _json,
    _list,
    _map,
    _one_line,
    _str,
    _take,
)
from bot.gateway import Body


def _last_turn(turns: list[Any], budget: int) -> str:
    """The last user turn with any text; else the last turn with any text."""
    fallback = ""
    for turn in reversed(turns[-_MAX_ITEMS:]):
        if isinstance(turn, str):
            text, user = turn, True
        elif isinstance(turn, Mapping):
            text, user = _turn_text(turn, budget), _is_user(turn)
        else:
            continue
        if not text.strip():
            continue
        if user:
            return text
        fallback = fallback or text
    return fallback


def _prompt_raw(body: Body, budget: int) -> str:
    return _request_text(body.data, budget) if body.data is not None else body.text


_TURN_KEYS = ("messages", "input", "contents")  # OpenAI chat/Anthropic, Responses, Gemini


def _conversation(body: Body, budget: int) -> str:
    """A chat request's system prompt and every turn, each under its role; any other request
    as its excerpt text. A lone user turn is shown bare."""
    data = body.data
    if isinstance(data, list) and data and isinstance(_map(data[0]).get("query"), Mapping):
        data = data[0]["query"]  # the universal endpoint: the first provider step's request
    if not isinstance(data, Mapping) or _embedding_input(data, budget) is not None:
        return _prompt_raw(body, budget)
    turns = next((data[k] for k in _TURN_KEYS if isinstance(data.get(k), list) and data[k]), None)
    if turns is None:
        return _prompt_raw(body, budget)
    said = [("system", _system_text(data, budget))] + [
        (_role(turn), _turn_text(turn, budget) if isinstance(turn, Mapping) else _str(turn))
        for turn in islice(turns, _MAX_ITEMS)
        if isinstance(turn, Mapping | str)
    ]
    said = [(role, text) for role, text in said if text.strip()]
    if len(said) == 1 and said[0][0] == "user":
        return said[0][1]
    return _take((f"[{role}]\n{text}" for role, text in said), budget, "\n\n")


def _role(turn: object) -> str:
    if not isinstance(turn, Mapping):
        return "user"
    role = turn.get("role")
    if isinstance(role, str) and role:
        return _one_line(role, 40)
    if _is_user(turn):
        return "user"
    return _one_line(_str(turn.get("type")), 40) or "turn"


def _system_text(data: Mapping[str, Any], budget: int) -> str:
    """The system prompt outside the turns: Anthropic `system`, Responses `instructions`,
    Gemini `systemInstruction`."""
    for key in ("system", "instructions"):
        value = data.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return _parts_text(value, budget)
    instruction = _map(data.get("systemInstruction") or data.get("system_instruction"))
    return _parts_text(_list(instruction.get("parts")), budget)


def _request_text(data: object, budget: int, nested: bool = False) -> str:
    if isinstance(data, list):
        # AI Gateway's universal endpoint: a list of provider steps, each carrying the
        # provider's own request body as "query". The first step is the one tried first.
        step = _map(data[0]) if data else {}
        if not nested and isinstance(step.get("query"), Mapping):
            return _request_text(step["query"], budget, nested=True)
        return _json(data, budget) if data else ""
    if not isinstance(data, Mapping):
        return _json(data, budget)
    if not data:
        return ""
    embedded = _embedding_input(data, budget)
    if embedded is not None:
        return embedded
    for key, read in _REQUEST_READERS:
        value = data.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value:
            return read(value, budget)
    for key in ("text", "input_text", "query", "question"):  # Workers AI task models
        if isinstance(data.get(key), str):
            return str(data[key])
    return _json(data, budget)


def _joined_prompts(prompts: list[Any], budget: int) -> str:
    return _take((p for p in islice(prompts, _MAX_ITEMS) if isinstance(p, str)), budget, "\n\n")


_REQUEST_READERS: tuple[tuple[str, Callable[[list[Any], int], str]], ...] = (
    ("messages", _last_turn),  # OpenAI chat, Anthropic, Workers AI
    ("input", _last_turn),  # OpenAI Responses
    ("contents", _last_turn),  # Gemini
    ("prompt", _joined_prompts),  # OpenAI completions, Workers AI
)


def _embedding_input(data: Mapping[str, Any], budget: int) -> str | None:
    """Describe an embeddings request, or None when `data` is not one."""
    model = _str(data.get("model")).lower()
    inputs = data.get("input")
    if inputs is not None and (
        "embed" in model or "encoding_format" in data or "dimensions" in data
    ):
        return _describe_inputs(inputs, budget)
    if isinstance(inputs, list) and inputs and not isinstance(inputs[-1], Mapping):
        return _describe_inputs(inputs, budget)  # a batch of strings or token IDs
    for key in ("texts", "text"):  # Cohere; Workers AI text-embedding models
        if isinstance(data.get(key), list):
            return _describe_inputs(data[key], budget)
    content = _map(data.get("content"))
    if isinstance(content.get("parts"), list):  # Gemini embedContent
        return _describe_inputs(_parts_text(content["parts"], budget), budget)
    requests = data.get("requests")
    if isinstance(requests, list) and requests:  # Gemini batchEmbedContents
        first = _parts_text(_list(_map(_map(requests[0]).get("content")).get("parts")), budget)
        return _describe_batch(len(requests), first, budget)
    return None


def _describe_inputs(value: object, budget: int) -> str:
    if isinstance(value, str):
        return f"[embedding input] {value[:budget]}"
    items = _list(value)
    return _describe_batch(len(items), items[0] if items else None, budget)


def _describe_batch(count: int, first: object, budget: int) -> str:
    if isinstance(first, int):
        return f"[embedding input: {count} tokens]"
    if isinstance(first, list):
        return f"[embedding input: {count} token arrays]"
    text = first[:budget] if isinstance(first, str) else _json(first, budget)
    if count <= 1:
        return f"[embedding input] {text}".rstrip()
    return f"[embedding input: {count} texts] {text}".rstrip()
