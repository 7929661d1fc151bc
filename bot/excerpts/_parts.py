"""Message parts across providers: text, media, tool calls and results, whole turns."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import Any

from bot.excerpts._text import (
    _MAX_ITEMS,
    _TOOL_ARGS,
    _json,
    _map,
    _one_line,
    _str,
    _take,
)


def _tool_call(name: object, args: object) -> str:
    shown = args if isinstance(args, str) else ("" if args is None else _json(args, _TOOL_ARGS))
    return f"[tool call: {_one_line(_str(name), 80) or '?'}({_one_line(shown, _TOOL_ARGS)})]"


def _tool_result(content: object, budget: int) -> str:
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        text = _parts_text(content, budget)
    else:
        text = _json(content, budget) if content is not None else ""
    return f"[tool result] {text}".rstrip()


def _media(mime: object) -> str:
    kind = _str(mime).split("/", 1)[0]
    return {"image": "[image]", "audio": "[audio]", "video": "[video]"}.get(kind, "[file]")


_TEXT_KINDS = frozenset({None, "text", "input_text", "output_text"})
_IMAGE_KINDS = frozenset({"image", "image_url", "input_image"})
_AUDIO_KINDS = frozenset({"audio", "input_audio"})
_FILE_KINDS = frozenset({"file", "input_file", "document"})
_SKIPPED_KINDS = frozenset({"thinking", "redacted_thinking", "reasoning"})


def _part_text(part: object, budget: int) -> str:
    """One content part (OpenAI, Anthropic, Responses or Gemini) as text or a short tag."""
    if isinstance(part, str):
        return part
    if not isinstance(part, Mapping):
        return ""
    kind = part.get("type")
    text = part.get("text")
    if kind in _SKIPPED_KINDS:
        return ""
    if isinstance(text, str) and kind in _TEXT_KINDS:
        return text
    if isinstance(text, Mapping):  # {"type": "text", "text": {"value": …}} (Assistants API)
        return _str(text.get("value"))
    if kind == "refusal":
        return _str(part.get("refusal"))
    if kind in ("tool_use", "server_tool_use"):
        return _tool_call(part.get("name"), part.get("input"))
    if kind == "function_call":
        return _tool_call(part.get("name"), part.get("arguments"))
    if kind in ("tool_result", "function_call_output"):
        return _tool_result(part.get("content", part.get("output")), budget)
    if kind in _IMAGE_KINDS or "image_url" in part:
        return "[image]"
    if kind in _AUDIO_KINDS:
        return "[audio]"
    if kind in _FILE_KINDS:
        return "[file]"
    return _gemini_part(part, budget)


def _gemini_part(part: Mapping[str, Any], budget: int) -> str:
    call = _map(part.get("functionCall") or part.get("function_call"))
    if call:
        return _tool_call(call.get("name"), call.get("args"))
    reply = _map(part.get("functionResponse") or part.get("function_response"))
    if reply:
        return _tool_result(reply.get("response"), budget)
    for key in ("inlineData", "inline_data", "fileData", "file_data"):
        blob = _map(part.get(key))
        if blob:
            return _media(blob.get("mimeType", blob.get("mime_type")))
    return ""


def _parts_text(parts: list[Any], budget: int) -> str:
    return _take((_part_text(part, budget) for part in islice(parts, _MAX_ITEMS)), budget)


def _turn_text(turn: Mapping[str, Any], budget: int) -> str:
    """The text of one conversation turn: a message, a Responses input item, a Gemini content."""
    content = turn.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return _parts_text(content, budget)
    parts = turn.get("parts")
    if isinstance(parts, list):
        return _parts_text(parts, budget)
    if turn.get("type") is not None:  # a bare Responses item: function_call, its output, …
        return _part_text(turn, budget)
    return ""


def _is_user(turn: Mapping[str, Any]) -> bool:
    role = turn.get("role")
    return role == "user" or (role is None and "parts" in turn)  # Gemini may omit the role
