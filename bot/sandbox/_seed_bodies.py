"""The stored request and response bodies of seeded logs, in each provider's own wire shape.

OpenAI chat completions (optionally streamed as server-sent events) and the Responses API,
Anthropic Messages with content blocks, Workers AI (`messages` or `prompt`), and Gemini
`generateContent`; failures carry the provider's own error body. Rendered on demand from a
`SeedLog`, never stored.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from bot.sandbox._seed_corpus import FILLS, HUGE_HEADER
from bot.sandbox.seed import HUGE_BODY_BYTES, SeedLog

JSON = "application/json"
SSE = "text/event-stream"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_MODEL_VERSIONS = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4.1": "gpt-4.1-2025-04-14"}


def request_body(log: SeedLog) -> bytes:
    """What the application sent to the provider through the gateway."""
    return _dump(_request(log))


def response_body(log: SeedLog) -> tuple[bytes, str]:
    """What the provider answered, and its content type."""
    if log.streamed:
        return _sse(log).encode(), SSE
    return _dump(_error(log) if not log.success else _response(log)), JSON


def _request(log: SeedLog) -> dict[str, Any]:
    shape, model = log.variant.shape, log.variant.model
    if shape == "openai-chat":
        body: dict[str, Any] = {"model": model, "messages": _chat_messages(log)}
        body |= {"temperature": 0.2, "max_tokens": 1024}
        if log.streamed:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
        return body
    if shape == "openai-responses":
        if not log.turns and log.token & 1:
            return {"model": model, "instructions": log.system, "input": log.prompt}
        items = [
            {"role": role, "content": [{"type": kind, "text": text}]}
            for role, kind, text in _exchange(log, "input_text", "output_text")
        ]
        return {"model": model, "instructions": log.system, "input": items}
    if shape == "anthropic":
        system: Any = log.system
        if log.token & 2:
            system = [{"type": "text", "text": log.system, "cache_control": {"type": "ephemeral"}}]
        messages = [
            {"role": role, "content": [{"type": "text", "text": text}] if role == "user" else text}
            for role, _, text in _exchange(log, "", "")
        ]
        return {"model": model, "max_tokens": 1024, "system": system, "messages": messages}
    if shape == "workers-ai-messages":
        return {"messages": _chat_messages(log), "max_tokens": 512}
    if shape == "workers-ai-prompt":
        return {"prompt": f"{log.system}\n\n{log.prompt}", "max_tokens": 512}
    contents = [
        {"role": "model" if role == "assistant" else "user", "parts": [{"text": text}]}
        for role, _, text in _exchange(log, "", "")
    ]
    return {
        "systemInstruction": {"parts": [{"text": log.system}]},
        "contents": contents,
        "generationConfig": {"temperature": 0.3, "maxOutputTokens": 1024},
    }


def _response(log: SeedLog) -> dict[str, Any]:
    shape, answer = log.variant.shape, _answer(log)
    tokens_in, tokens_out = log.tokens_in or 0, log.tokens_out or 0
    if shape == "openai-chat":
        message: dict[str, Any] = {"role": "assistant", "content": answer, "refusal": None}
        message["annotations"] = []
        return {
            "id": f"chatcmpl-{_b62(log.token, 29)}",
            "object": "chat.completion",
            "created": log.created_ms // 1000,
            "model": _MODEL_VERSIONS.get(log.variant.model, log.variant.model),
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            ],
            "usage": _openai_usage(tokens_in, tokens_out),
            "service_tier": "default",
            "system_fingerprint": f"fp_{log.token & 0xFFFFFFFFFF:010x}",
        }
    if shape == "openai-responses":
        output: list[dict[str, Any]] = []
        if log.token & 4:
            output.append({"id": f"rs_{log.token:016x}", "type": "reasoning", "summary": []})
        content = [{"type": "output_text", "text": answer, "annotations": []}]
        output.append(
            {"id": f"msg_{log.token:016x}", "type": "message", "status": "completed"}
            | {"role": "assistant", "content": content}
        )
        return {
            "id": f"resp_{log.token:016x}{log.created_ms:012x}",
            "object": "response",
            "created_at": log.created_ms // 1000,
            "status": "completed",
            "model": _MODEL_VERSIONS.get(log.variant.model, log.variant.model),
            "output": output,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}
            | {"total_tokens": tokens_in + tokens_out},
        }
    if shape == "anthropic":
        return {
            "id": f"msg_01{_b62(log.token, 22)}",
            "type": "message",
            "role": "assistant",
            "model": log.variant.model,
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "cache_creation_input_tokens": 0}
            | {"cache_read_input_tokens": 0, "output_tokens": tokens_out},
        }
    if shape.startswith("workers-ai"):
        result: dict[str, Any] = {"response": answer}
        if log.tokens_in is not None:
            result["usage"] = _openai_usage(tokens_in, tokens_out)
        return {"result": result, "success": True, "errors": [], "messages": []}
    candidate = {"content": {"parts": [{"text": answer}], "role": "model"}}
    return {
        "candidates": [candidate | {"finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": tokens_in, "candidatesTokenCount": tokens_out}
        | {"totalTokenCount": tokens_in + tokens_out},
        "modelVersion": log.variant.model,
        "responseId": _b62(log.token, 22),
    }


def _error(log: SeedLog) -> dict[str, Any]:
    limited = log.status_code == 429
    provider, model = log.variant.provider, log.variant.model
    if provider == "openai":
        if limited:
            message = (
                f"Rate limit reached for {model} in organization org-acme on tokens per min "
                "(TPM): Limit 200000, Used 199842, Requested 1204. Please try again in 313ms."
            )
            error: dict[str, Any] = {"message": message, "type": "tokens"}
            error["code"] = "rate_limit_exceeded"
        else:
            message = "The server had an error while processing your request. Sorry about that!"
            error = {"message": message, "type": "server_error", "code": None}
        return {"error": error | {"param": None}}
    if provider == "anthropic":
        if limited:
            message = (
                "This request would exceed the rate limit for your organization of 50,000 "
                "input tokens per minute. Please reduce the prompt length or try again later."
            )
            return {"type": "error", "error": {"type": "rate_limit_error", "message": message}}
        return {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    if provider == "workers-ai":
        code, message = (3040, "Capacity temporarily exceeded, please try again.")
        if not limited:
            code, message = 3043, "Internal server error"
        errors = [{"code": code, "message": message}]
        return {"result": None, "success": False, "errors": errors, "messages": []}
    if limited:
        message, status = "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"
    else:
        message, status = "The model is overloaded. Please try again later.", "UNAVAILABLE"
    return {"error": {"code": log.status_code, "message": message, "status": status}}


def _sse(log: SeedLog) -> str:
    """An OpenAI chat completion streamed as server-sent events, as the gateway stores it."""
    head = {
        "id": f"chatcmpl-{_b62(log.token, 29)}",
        "object": "chat.completion.chunk",
        "created": log.created_ms // 1000,
        "model": _MODEL_VERSIONS.get(log.variant.model, log.variant.model),
    }
    words = log.answer.split(" ")
    pieces = [" ".join(words[i : i + 4]) + " " for i in range(0, len(words), 4)]
    pieces[-1] = pieces[-1].rstrip(" ")
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": piece} for piece in pieces]
    chunks = [
        head | {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        for delta in deltas
    ]
    chunks.append(head | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    usage = _openai_usage(log.tokens_in or 0, log.tokens_out or 0)
    chunks.append(head | {"choices": [], "usage": usage})
    events = [f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n" for chunk in chunks]
    return "".join(events) + "data: [DONE]\n\n"


def _chat_messages(log: SeedLog) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": log.system}]
    return messages + [{"role": role, "content": text} for role, _, text in _exchange(log, "", "")]


def _exchange(log: SeedLog, user_kind: str, assistant_kind: str) -> list[tuple[str, str, str]]:
    """(role, content-part type, text) for the earlier turns and the final user prompt."""
    out: list[tuple[str, str, str]] = []
    for user, assistant in log.turns:
        out += [("user", user_kind, user), ("assistant", assistant_kind, assistant)]
    return [*out, ("user", user_kind, log.prompt)]


def _answer(log: SeedLog) -> str:
    return _huge_csv(log.token) if log.huge else log.answer


@lru_cache(maxsize=2)
def _huge_csv(token: int) -> str:
    """~HUGE_BODY_BYTES of CSV export, the kind of answer nobody should paste into Slack."""
    names, statuses = FILLS["name"], ("open", "pending", "solved", "closed")
    rows = [HUGE_HEADER]
    size, number = len(HUGE_HEADER), 0
    while size < HUGE_BODY_BYTES - 2_000:
        row = (
            f"T-{100000 + number},2025-{1 + number % 3:02d}-{1 + number % 28:02d}T"
            f"{number % 24:02d}:{number % 60:02d}:00Z,{names[(number + token) % len(names)]},"
            f"{statuses[number % 4]},Customer reports issue #{number} with invoice export"
        )
        rows.append(row)
        size += len(row) + 2  # each newline becomes `\n` in the JSON string
        number += 1
    return "\n".join(rows)


def _openai_usage(tokens_in: int, tokens_out: int) -> dict[str, int]:
    return {
        "prompt_tokens": tokens_in,
        "completion_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
    }


def _b62(value: int, length: int) -> str:
    chars = []
    for _ in range(length):  # a 64-bit LCG stepped from the log's seeded bits
        value = (value * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        chars.append(_B62[(value >> 33) % 62])
    return "".join(chars)


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
