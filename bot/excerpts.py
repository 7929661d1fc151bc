"""Short, readable excerpts of the LLM request and response bodies AI Gateway stores.

Owns: finding the last user turn in a request body and the assistant's text in a response
body, across the shapes the gateway proxies (OpenAI chat completions, Responses and completions,
Anthropic messages, Workers AI, Google Gemini, embeddings, error bodies, server-sent event
streams), with a compact-JSON or plain-text fallback, a bounded result and bounded work.

Must not: do IO, or spend time in proportion to a body's size beyond the parse already paid for
(a stored body can be many megabytes; only a few thousand characters are ever shown).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

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

NOT_STORED = "(not stored)"  # the gateway kept no body (payload collection off, or expired)
EMPTY = "(empty)"  # a body was stored, but it holds no text
NOTES = frozenset({NOT_STORED, EMPTY})  # what a renderer shows as a note, not as content

DEFAULT_LIMIT = 2800
FULL_LIMIT = 24 * 2900  # "Show full": what 24 Slack sections of 2,900 characters can hold
_MAX_ITEMS = 1000  # array items looked at in any one list (messages, parts, keys)
_MAX_DEPTH = 32  # nesting rendered by the JSON fallback
_MAX_LINES = 200_000  # lines of an event stream scanned before giving up
_TOOL_ARGS = 200  # characters of a tool call's arguments shown

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")
_STREAM_PREFIXES = ("data:", "event:", "id:", "retry:", ":", "{")


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


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with "…" when something was cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    return text[: limit - 1].rstrip() + "…"


def sanitize(text: str) -> str:
    """Unify line breaks, drop control characters (tabs and newlines stay) and replace lone
    surrogates, which JSON bodies may carry but Slack's API would reject."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text))


# -- shared plumbing ---------------------------------------------------------------------------


def _blank(body: Body) -> bool:
    # isspace() stops at the first non-space character, so a huge body costs nothing here.
    return body.data is None and (not body.text or body.text.isspace())


def _budget(limit: int) -> int:
    # Normalising whitespace can shrink text, so extract somewhat more than will be shown.
    return 2 * max(limit, 0) + 256


def _tidy(text: str, budget: int) -> str:
    lines = (line.rstrip() for line in sanitize(text[:budget]).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _finish(text: str, limit: int, budget: int) -> str:
    cut = len(text) > budget
    tidy = _tidy(text, budget)
    if not tidy:
        return clip(EMPTY, limit)
    if cut and len(tidy) <= limit:
        # More text exists past what was read: say so, even though what was read fits.
        return clip(tidy[: max(limit - 1, 0)].rstrip() + "…", limit)
    return clip(tidy, limit)


def _take(pieces: Iterable[str], budget: int, sep: str = "\n") -> str:
    """Join non-empty pieces until `budget` characters are reached; later pieces are never
    computed, since `pieces` is consumed lazily."""
    out: list[str] = []
    size = 0
    for piece in pieces:
        if not piece:
            continue
        out.append(piece[:budget])
        size += len(out[-1]) + len(sep)
        if size > budget:
            break
    return sep.join(out)


def _one_line(text: str, limit: int) -> str:
    return clip(_SPACES.sub(" ", text[: limit * 4]).strip(), limit)


def _json(value: object, budget: int) -> str:
    """Compact JSON of `value`, stopping soon after `budget` characters however big it is."""
    out: list[str] = []
    size = 0
    for piece in _json_pieces(value, budget, 0):
        out.append(piece)
        size += len(piece)
        if size > budget:
            break
    return "".join(out)


def _json_pieces(value: object, budget: int, depth: int) -> Iterator[str]:
    if isinstance(value, str):
        yield json.dumps(value[:budget], ensure_ascii=False)
    elif value is None or isinstance(value, bool | int | float):
        try:
            yield json.dumps(value)
        except ValueError:  # an int too long to print (Python caps int-to-str conversion)
            yield "…"
    elif depth >= _MAX_DEPTH:
        yield "…"
    elif isinstance(value, Mapping):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            if index >= _MAX_ITEMS:
                yield ",…"
                break
            yield ("," if index else "") + json.dumps(str(key)[:budget], ensure_ascii=False) + ":"
            yield from _json_pieces(item, budget, depth + 1)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for index, item in enumerate(value):
            if index >= _MAX_ITEMS:
                yield ",…"
                break
            if index:
                yield ","
            yield from _json_pieces(item, budget, depth + 1)
        yield "]"
    else:
        yield json.dumps(str(value)[:budget], ensure_ascii=False)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


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


# -- content parts, whatever the provider calls them ------------------------------------------

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


def _response_raw(body: Body, budget: int) -> str:
    if body.data is not None:
        return _response_text(body.data, budget)
    if _looks_like_stream(body.text):
        streamed = _stream_text(body.text, budget)
        if streamed.strip():
            return streamed
    return body.text


# -- whole conversations -----------------------------------------------------------------------

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


# -- requests ----------------------------------------------------------------------------------


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


# -- responses ---------------------------------------------------------------------------------


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


# -- event streams -----------------------------------------------------------------------------


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
