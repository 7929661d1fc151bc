"""Excerpts of stored request and response bodies, across the providers AI Gateway proxies."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.excerpts import (
    EMPTY,
    FULL_LIMIT,
    NOT_STORED,
    FullText,
    clip,
    full_text,
    prompt_excerpt,
    response_excerpt,
    sanitize,
)
from bot.gateway import Body

TEN_MB = 10 * 1024 * 1024


def body(value: Any) -> Body:
    """A stored JSON body, parsed the way the gateway client parses it."""
    return Body.from_bytes(json.dumps(value).encode(), "application/json")


def text_body(text: str, content_type: str = "text/plain") -> Body:
    """A stored non-JSON body."""
    return Body.from_bytes(text.encode(), content_type)


def sse(*events: dict[str, Any], done: bool = True, named: bool = False) -> Body:
    """A stored server-sent event stream of JSON events."""
    lines = []
    for event in events:
        if named:
            lines.append(f"event: {event.get('type', 'message')}")
        lines.append(f"data: {json.dumps(event)}")
        lines.append("")
    if done:
        lines += ["data: [DONE]", ""]
    return text_body("\n".join(lines), "text/event-stream")


# -- OpenAI chat completions -------------------------------------------------------------------

OPENAI_CHAT_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a support assistant for Acme."},
        {"role": "user", "content": "How do I reset my password?"},
        {"role": "assistant", "content": "Go to Settings → Security."},
        {"role": "user", "content": "I did, but the reset email never arrives."},
    ],
    "temperature": 0.2,
    "stream": False,
}


def test_openai_chat_prompt_is_the_last_user_turn() -> None:
    """The prompt excerpt of a chat request is its last user message, not system or assistant."""
    assert prompt_excerpt(body(OPENAI_CHAT_REQUEST)) == "I did, but the reset email never arrives."


def test_openai_chat_prompt_skips_trailing_tool_turns() -> None:
    """Assistant tool calls and tool results after the user turn do not hide it."""
    request = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
        ],
    }
    assert prompt_excerpt(body(request)) == "Weather in Paris?"


def test_openai_chat_prompt_content_parts_tag_images() -> None:
    """Content-part lists give their text, and images show as a short tag."""
    request = {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}},
                ],
            }
        ],
    }
    assert prompt_excerpt(body(request)) == "What is in this picture?\n[image]"


def test_openai_chat_response_is_the_assistant_content() -> None:
    """The response excerpt of a chat completion is choices[0].message.content."""
    response = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Check your spam folder, then ask us to resend it.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
    }
    assert response_excerpt(body(response)) == "Check your spam folder, then ask us to resend it."


def test_openai_chat_tool_calls_are_described() -> None:
    """A completion that only calls tools says which, with their arguments."""
    response = {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_abc",
                            "type": "function",
                            "function": {
                                "name": "get_weather",
                                "arguments": '{\n  "location": "Paris, FR"\n}',
                            },
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
    }
    assert (
        response_excerpt(body(response)) == '[tool call: get_weather({ "location": "Paris, FR" })]'
    )


def test_tool_call_arguments_are_shortened() -> None:
    """Long tool arguments are cut, so one call cannot fill the excerpt."""
    arguments = json.dumps({"query": "x" * 5000})
    response = {
        "choices": [
            {"message": {"tool_calls": [{"function": {"name": "search", "arguments": arguments}}]}}
        ]
    }
    excerpt = response_excerpt(body(response))
    assert excerpt.startswith("[tool call: search(")
    assert excerpt.endswith("…)]")
    assert len(excerpt) < 300


# -- OpenAI Responses API ----------------------------------------------------------------------


def test_responses_prompt_from_a_string_input() -> None:
    """A Responses request whose input is a string is its own prompt."""
    request = {"model": "gpt-4.1", "input": "Write a haiku about logs.", "instructions": "Be brief"}
    assert prompt_excerpt(body(request)) == "Write a haiku about logs."


def test_responses_prompt_from_input_items() -> None:
    """A Responses request with input items gives the last user item's input_text parts."""
    request = {
        "model": "gpt-4.1",
        "input": [
            {"role": "developer", "content": "Answer in French."},
            {"role": "user", "content": [{"type": "input_text", "text": "First question"}]},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Réponse"}]},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "And what about this file?"},
                    {"type": "input_file", "file_id": "file-123"},
                ],
            },
        ],
    }
    assert prompt_excerpt(body(request)) == "And what about this file?\n[file]"


def test_responses_output_message_text() -> None:
    """A Responses answer gives the output_text of its message items, skipping reasoning."""
    response = {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "status": "completed",
        "error": None,
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {
                "type": "message",
                "id": "msg_1",
                "status": "completed",
                "role": "assistant",
                "content": [
                    {"type": "output_text", "text": "Logs fall like leaves", "annotations": []}
                ],
            },
        ],
    }
    assert response_excerpt(body(response)) == "Logs fall like leaves"


def test_responses_function_call_items() -> None:
    """A Responses function_call item reads as a tool call."""
    response = {
        "object": "response",
        "output": [
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "lookup_order",
                "arguments": '{"order_id":"A-17"}',
            }
        ],
    }
    assert response_excerpt(body(response)) == '[tool call: lookup_order({"order_id":"A-17"})]'


def test_responses_output_text_convenience_field() -> None:
    """A body carrying `output_text` uses it directly."""
    assert response_excerpt(body({"object": "response", "output_text": "Done."})) == "Done."


# -- Anthropic messages ------------------------------------------------------------------------


def test_anthropic_prompt_ignores_the_system_prompt() -> None:
    """An Anthropic request's `system` is not the prompt; the last user turn's text blocks are."""
    request = {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 1024,
        "system": "You are a pirate.",
        "messages": [
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": [{"type": "text", "text": "Ahoy!"}]},
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/"},
                    },
                    {"type": "text", "text": "Describe this ship."},
                ],
            },
        ],
    }
    assert prompt_excerpt(body(request)) == "[image]\nDescribe this ship."


def test_anthropic_response_text_and_tool_use() -> None:
    """An Anthropic answer gives its text blocks and describes tool_use blocks."""
    response = {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": [
            {"type": "thinking", "thinking": "Let me check.", "signature": "sig"},
            {"type": "text", "text": "I'll look that up."},
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": "get_weather",
                "input": {"location": "San Francisco, CA"},
            },
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 10, "output_tokens": 20},
    }
    assert response_excerpt(body(response)) == (
        'I\'ll look that up.\n[tool call: get_weather({"location":"San Francisco, CA"})]'
    )


def test_anthropic_tool_result_turn() -> None:
    """A user turn that only returns a tool result says so."""
    request = {
        "model": "claude-3-5-haiku-latest",
        "messages": [
            {"role": "user", "content": "Weather?"},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "15 degrees"}],
            },
        ],
    }
    assert prompt_excerpt(body(request)) == "[tool result] 15 degrees"


# -- Workers AI --------------------------------------------------------------------------------


def test_workers_ai_messages_and_prompt_requests() -> None:
    """Workers AI requests carry `messages` or a bare `prompt`."""
    chat = {
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "What is Cloudflare?"},
        ]
    }
    assert prompt_excerpt(body(chat)) == "What is Cloudflare?"
    assert prompt_excerpt(body({"prompt": "Tell me a joke", "max_tokens": 256})) == "Tell me a joke"


def test_workers_ai_enveloped_and_bare_responses() -> None:
    """Workers AI answers as {"result": {"response": …}} through the REST API, or bare."""
    enveloped = {
        "result": {"response": "Cloudflare is a connectivity cloud."},
        "success": True,
        "errors": [],
        "messages": [],
    }
    assert response_excerpt(body(enveloped)) == "Cloudflare is a connectivity cloud."
    assert response_excerpt(body({"response": "Why did the log cross the road?"})) == (
        "Why did the log cross the road?"
    )


def test_workers_ai_json_mode_response() -> None:
    """A structured (JSON mode) Workers AI response is shown as compact JSON."""
    response = {"result": {"response": {"name": "Ada", "age": 36}}, "success": True}
    assert response_excerpt(body(response)) == '{"name":"Ada","age":36}'


# -- Google Gemini -----------------------------------------------------------------------------


def test_gemini_contents_and_candidates() -> None:
    """Gemini requests give the last user `contents` parts; answers the first candidate's parts."""
    request = {
        "systemInstruction": {"parts": [{"text": "Be terse."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello."}]},
            {
                "role": "user",
                "parts": [
                    {"text": "Summarise this."},
                    {"inline_data": {"mime_type": "application/pdf", "data": "JVBERi0x"}},
                ],
            },
        ],
    }
    response = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"text": "It is a report."}, {"text": "Signed."}],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 5},
        "modelVersion": "gemini-2.0-flash",
    }
    assert prompt_excerpt(body(request)) == "Summarise this.\n[file]"
    assert response_excerpt(body(response)) == "It is a report.\nSigned."


def test_gemini_function_call_and_block() -> None:
    """Gemini function calls read as tool calls; a blocked prompt says why."""
    call = {
        "candidates": [
            {"content": {"parts": [{"functionCall": {"name": "find", "args": {"q": "x"}}}]}}
        ]
    }
    blocked = {"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}}
    assert response_excerpt(body(call)) == '[tool call: find({"q":"x"})]'
    assert response_excerpt(body(blocked)) == "[blocked: SAFETY]"


def test_gemini_json_array_stream() -> None:
    """streamGenerateContent without alt=sse stores a JSON array of chunks; they are joined."""
    chunks = [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "Once upon"}]}}]},
        {"candidates": [{"content": {"role": "model", "parts": [{"text": " a time."}]}}]},
    ]
    assert response_excerpt(body(chunks)) == "Once upon a time."


# -- OpenAI completions and embeddings ---------------------------------------------------------


def test_openai_completions() -> None:
    """Legacy completions: `prompt` in, choices[0].text out."""
    request = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test", "max_tokens": 7}
    response = {
        "object": "text_completion",
        "choices": [{"text": "\n\nThis is indeed a test", "index": 0, "finish_reason": "length"}],
    }
    assert prompt_excerpt(body(request)) == "Say this is a test"
    assert response_excerpt(body(response)) == "This is indeed a test"


def test_embeddings_say_what_was_embedded() -> None:
    """Embedding requests show their input, embedding answers their shape, never the numbers."""
    single = {"model": "text-embedding-3-small", "input": "The food was delicious"}
    batch = {"model": "text-embedding-3-small", "input": ["first text", "second"]}
    response = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.0023064255] * 1536}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }
    assert prompt_excerpt(body(single)) == "[embedding input] The food was delicious"
    assert prompt_excerpt(body(batch)) == "[embedding input: 2 texts] first text"
    assert response_excerpt(body(response)) == "[embedding: 1 vector of 1536 dimensions]"


def test_workers_ai_embeddings() -> None:
    """Workers AI's bge models take `text` lists and answer with a `shape`."""
    request = {"text": ["alpha", "beta", "gamma"]}
    response = {"result": {"shape": [3, 768], "data": [[0.1] * 768] * 3}, "success": True}
    assert prompt_excerpt(body(request)) == "[embedding input: 3 texts] alpha"
    assert response_excerpt(body(response)) == "[embedding: 3 vectors of 768 dimensions]"


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {
                "error": {
                    "message": "Rate limit reached for gpt-4o",
                    "type": "requests",
                    "code": "rate_limit_exceeded",
                }
            },
            "[error] Rate limit reached for gpt-4o",
        ),
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "[error] Overloaded",
        ),
        (
            {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}},
            "[error] API key not valid.",
        ),
        (
            {"success": False, "errors": [{"code": 7002, "message": "Not Found"}], "result": None},
            "[error] Not Found",
        ),
        (
            {"success": False, "result": [], "error": [{"code": 2009, "message": "Unauthorized"}]},
            "[error] Unauthorized",
        ),
    ],
    ids=["openai", "anthropic", "gemini", "cloudflare", "ai-gateway"],
)
def test_error_bodies_give_their_message(error: dict[str, Any], expected: str) -> None:
    """Error bodies from each provider, and Cloudflare's envelope, give the error message."""
    assert response_excerpt(body(error)) == expected


def test_a_null_error_field_is_not_an_error() -> None:
    """Responses API answers carry "error": null on success."""
    response = {"object": "response", "error": None, "output_text": "fine"}
    assert response_excerpt(body(response)) == "fine"


# -- streams -----------------------------------------------------------------------------------


def test_openai_chat_stream_concatenates_deltas() -> None:
    """An OpenAI SSE stream is rebuilt from its content deltas."""
    stream = sse(
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {"choices": [{"index": 0, "delta": {"content": "Hello"}}]},
        {"choices": [{"index": 0, "delta": {"content": " there!"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 3}},
    )
    assert response_excerpt(stream) == "Hello there!"


def test_openai_stream_tool_call_arguments_are_joined() -> None:
    """Streamed tool calls are rebuilt from their name and argument fragments."""
    stream = sse(
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "lookup"}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"id'}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '":7}'}}]}}]},
    )
    assert response_excerpt(stream) == '[tool call: lookup({"id":7})]'


def test_anthropic_stream_with_named_events() -> None:
    """An Anthropic stream (event: lines, text and tool deltas) is rebuilt."""
    stream = sse(
        {"type": "message_start", "message": {"id": "msg_1", "content": [], "role": "assistant"}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"x": 1}'},
        },
        {"type": "message_stop"},
        done=False,
        named=True,
    )
    assert response_excerpt(stream) == 'Hi!\n[tool call: calc({"x": 1})]'


def test_responses_and_workers_ai_and_gemini_streams() -> None:
    """Responses API, Workers AI and Gemini streams are rebuilt from their deltas."""
    responses = sse(
        {"type": "response.created", "response": {"id": "resp_1", "output": []}},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Bon"},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "jour"},
        {"type": "response.completed", "response": {"id": "resp_1"}},
        done=False,
        named=True,
    )
    workers = sse({"response": "Cloud", "p": "abc"}, {"response": "flare"}, {"response": ""})
    gemini = sse(
        {"candidates": [{"content": {"parts": [{"text": "Gem"}], "role": "model"}}]},
        {"candidates": [{"content": {"parts": [{"text": "ini"}], "role": "model"}}]},
        done=False,
    )
    assert response_excerpt(responses) == "Bonjour"
    assert response_excerpt(workers) == "Cloudflare"
    assert response_excerpt(gemini) == "Gemini"


def test_a_stream_that_fails_reports_the_error() -> None:
    """An error event in a stream is shown (after any text streamed before it)."""
    stream = sse(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Par"}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        done=False,
        named=True,
    )
    assert response_excerpt(stream) == "Par\n[error] Overloaded"


# -- fallbacks and notes -----------------------------------------------------------------------


def test_missing_or_empty_bodies_are_not_stored() -> None:
    """No body, an empty one or a blank one (payload collection off) reads "(not stored)"."""
    assert prompt_excerpt(None) == NOT_STORED
    assert response_excerpt(None) == NOT_STORED
    assert prompt_excerpt(text_body("")) == NOT_STORED
    assert response_excerpt(text_body("  \n ")) == NOT_STORED


def test_a_body_with_no_text_reads_empty() -> None:
    """A stored body with nothing to show (an empty message list, empty content) says so."""
    assert prompt_excerpt(body({})) == EMPTY
    assert response_excerpt(body({"choices": [{"message": {"content": ""}}]})) == EMPTY


def test_unknown_json_falls_back_to_compact_json() -> None:
    """A shape no reader knows is shown as compact JSON."""
    unknown = {"image": [1, 2, 3], "steps": 4, "guidance": 7.5, "label": "café"}
    assert (
        prompt_excerpt(body(unknown)) == '{"image":[1,2,3],"steps":4,"guidance":7.5,"label":"café"}'
    )


def test_non_json_text_is_shown_as_is() -> None:
    """A non-JSON body (plain text, HTML error page) is its own excerpt, tidied."""
    assert response_excerpt(text_body("Bad gateway\r\n")) == "Bad gateway"
    assert prompt_excerpt(text_body("{not json")) == "{not json"


def test_the_universal_endpoint_uses_the_first_providers_query() -> None:
    """AI Gateway's universal endpoint body is a list of steps; the first step's query counts."""
    request = [
        {
            "provider": "workers-ai",
            "endpoint": "@cf/meta/llama-3.1-8b-instruct",
            "headers": {"Authorization": "Bearer x"},
            "query": {"messages": [{"role": "user", "content": "Primary prompt"}]},
        },
        {"provider": "openai", "endpoint": "chat/completions", "query": {"messages": []}},
    ]
    assert prompt_excerpt(body(request)) == "Primary prompt"


def test_whitespace_is_normalised() -> None:
    """Line endings unify, trailing spaces go, blank-line runs shrink, indentation stays."""
    messy = "\r\n\r\n  Title   \r\n\r\n\r\n\r\n    indented code  \r\nend\t \n\n\n"
    request = {"messages": [{"role": "user", "content": messy}]}
    assert prompt_excerpt(body(request)) == "Title\n\n    indented code\nend"


def test_control_characters_and_lone_surrogates_are_cleaned() -> None:
    """Control characters go and lone surrogates (legal in JSON) become U+FFFD."""
    raw = b'{"messages":[{"role":"user","content":"a\\u0000b\\u001bc \\ud800 d"}]}'
    assert prompt_excerpt(Body.from_bytes(raw, "application/json")) == "abc \ufffd d"
    assert sanitize("x\u2028y\x7f") == "x\ny"


# -- limits and cost ---------------------------------------------------------------------------


def test_long_text_is_clipped_with_an_ellipsis() -> None:
    """An excerpt longer than the limit is cut to exactly the limit, ending in "…"."""
    request = {"messages": [{"role": "user", "content": "word " * 2000}]}
    excerpt = prompt_excerpt(body(request), limit=100)
    assert len(excerpt) <= 100
    assert excerpt.endswith("…")


def test_text_cut_before_normalising_still_says_it_was_cut() -> None:
    """When whitespace shrinks a long text below the limit, the excerpt still ends in "…"."""
    request = {"messages": [{"role": "user", "content": "a" + " \n" * 50_000 + "tail"}]}
    assert prompt_excerpt(body(request), limit=100) == "a…"


def test_clip_counts_characters_not_bytes() -> None:
    """Clipping cuts on a character boundary and never exceeds the limit."""
    assert clip("ééééé", 3) == "éé…"
    assert clip("abc", 3) == "abc"
    assert clip("abcd", 1) == "…"
    assert clip("abcd", 0) == ""


@pytest.mark.parametrize("limit", [1, 5, 12, 50, 2800])
def test_notes_respect_tiny_limits(limit: int) -> None:
    """Even the "(not stored)" note fits the limit."""
    assert len(prompt_excerpt(None, limit=limit)) <= limit


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                [
                    "messages",
                    "input",
                    "content",
                    "role",
                    "text",
                    "choices",
                    "message",
                    "error",
                    "type",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES, limit=st.integers(min_value=1, max_value=400))
def test_any_json_body_gives_a_bounded_excerpt(value: Any, limit: int) -> None:
    """Whatever JSON is stored, both excerpts are strings within the limit."""
    stored = Body.from_bytes(json.dumps(value).encode(), "application/json")
    for excerpt in (prompt_excerpt(stored, limit), response_excerpt(stored, limit)):
        assert isinstance(excerpt, str)
        assert 0 < len(excerpt) <= limit


@settings(max_examples=200, deadline=None)
@given(text=st.text(), limit=st.integers(min_value=1, max_value=400))
def test_any_text_body_gives_a_bounded_excerpt(text: str, limit: int) -> None:
    """Whatever text is stored (stream-like or not), both excerpts are within the limit."""
    stored = Body.from_bytes(text.encode("utf-8", "surrogatepass"), "text/plain")
    for excerpt in (prompt_excerpt(stored, limit), response_excerpt(stored, limit)):
        assert 0 < len(excerpt) <= limit
        assert "\x00" not in excerpt


def _timed(function: Any, stored: Body) -> tuple[str, float]:
    started = time.perf_counter()
    excerpt = function(stored)
    return excerpt, time.perf_counter() - started


BIG_BODIES: dict[str, Callable[[], Any]] = {
    "one huge user message": lambda: {
        "messages": [{"role": "user", "content": "lorem ipsum " * (TEN_MB // 12)}]
    },
    "a long conversation": lambda: {
        "messages": [{"role": "user", "content": "hi " * 30}] * (TEN_MB // 100)
    },
    "a huge unknown structure": lambda: {
        "data": [[i, str(i), {"k": i}] for i in range(TEN_MB // 40)]
    },
    "a huge answer": lambda: {"choices": [{"message": {"content": "z" * TEN_MB}}]},
    "many content parts": lambda: {
        "type": "message",
        "content": [{"type": "text", "text": ""}] * (TEN_MB // 30)
        + [{"type": "text", "text": "x"}],
    },
}


@pytest.mark.parametrize("name", sorted(BIG_BODIES))
def test_ten_megabyte_json_bodies_are_fast(name: str) -> None:
    """A 10 MB parsed body is excerpted in well under a second (the work is bounded)."""
    stored = Body(content_type="application/json", text="", data=BIG_BODIES[name](), size=TEN_MB)
    for function in (prompt_excerpt, response_excerpt):
        excerpt, seconds = _timed(function, stored)
        assert len(excerpt) <= 2800
        assert seconds < 0.5, f"{function.__name__} took {seconds:.2f} s on {name}"


def test_ten_megabyte_text_and_streams_are_fast() -> None:
    """A 10 MB plain-text body and a 10 MB event stream are excerpted quickly too."""
    chunk = 'data: {"choices":[{"delta":{"content":"tok "}}]}\n\n'
    stream = text_body(chunk * (TEN_MB // len(chunk)), "text/event-stream")
    plain = text_body("x" * TEN_MB)
    for stored in (stream, plain):
        excerpt, seconds = _timed(response_excerpt, stored)
        assert len(excerpt) == 2800
        assert excerpt.endswith("…")
        assert seconds < 0.5


# -- the whole text ("Show full") --------------------------------------------------------------


def test_full_prompt_is_the_whole_conversation_by_role() -> None:
    """Anthropic-style: the system prompt, then every turn under its role, tool use included."""
    request = body(
        {
            "system": "Be brief.",
            "messages": [
                {"role": "user", "content": "First question"},
                {"role": "assistant", "content": [{"type": "text", "text": "First answer"}]},
                {"role": "user", "content": [{"type": "text", "text": "Second question"}]},
            ],
        }
    )
    assert full_text(request, kind="prompt") == FullText(
        "[system]\nBe brief.\n\n[user]\nFirst question\n\n[assistant]\nFirst answer"
        "\n\n[user]\nSecond question"
    )


def test_full_prompt_of_one_user_turn_is_that_turn() -> None:
    """A lone user message needs no role label."""
    request = body({"messages": [{"role": "user", "content": "Just this"}]})
    assert full_text(request, kind="prompt").text == "Just this"


@pytest.mark.parametrize(
    ("value", "system"),
    [
        ({"instructions": "Sys", "input": [{"role": "user", "content": "Q"}]}, "Sys"),
        (
            {
                "systemInstruction": {"parts": [{"text": "Sys"}]},
                "contents": [{"parts": [{"text": "Q"}]}],
            },
            "Sys",
        ),
    ],
)
def test_full_prompt_finds_the_system_prompt_of_each_provider(value: Any, system: str) -> None:
    """OpenAI Responses `instructions` and Gemini `systemInstruction` lead the conversation."""
    assert full_text(body(value), kind="prompt").text == f"[system]\n{system}\n\n[user]\nQ"


def test_full_prompt_of_other_requests_is_their_excerpt() -> None:
    """A completions prompt or an embedding request reads as its excerpt does."""
    assert full_text(body({"prompt": "Once upon"}), kind="prompt").text == "Once upon"
    embedding = body({"model": "text-embedding-3-small", "input": "hello"})
    assert full_text(embedding, kind="prompt").text == prompt_excerpt(embedding)


def test_full_response_is_not_clipped_like_an_excerpt() -> None:
    """A 20,000-character answer comes back whole, where the excerpt stops near 2,800."""
    answer = "\n".join(f"line {n} " + "x" * 40 for n in range(400))
    response = body({"choices": [{"message": {"role": "assistant", "content": answer}}]})
    assert full_text(response, kind="response") == FullText(answer, complete=True)
    assert len(response_excerpt(response)) <= 2800


def test_full_text_past_the_limit_is_cut_and_says_so() -> None:
    """Beyond `limit` the text ends with "…" and `complete` is False, in bounded time."""
    huge = body({"choices": [{"message": {"content": "y" * TEN_MB}}]})
    started = time.perf_counter()
    cut = full_text(huge, kind="response")
    assert time.perf_counter() - started < 1.0
    assert len(cut.text) == FULL_LIMIT and cut.text.endswith("…") and not cut.complete
    assert full_text(huge, 100, kind="response").text == "y" * 99 + "…"


def test_full_text_of_missing_bodies() -> None:
    """No body, or a blank one, reads as a note and counts as complete."""
    assert full_text(None, kind="prompt") == FullText(NOT_STORED)
    assert full_text(text_body("   "), kind="response") == FullText(NOT_STORED)
    assert full_text(body({}), kind="response") == FullText(EMPTY)


def test_full_response_of_a_stream_joins_the_deltas() -> None:
    """A streamed response reads as the text its deltas spell."""
    stream = sse(*({"choices": [{"delta": {"content": c}}]} for c in ("Hel", "lo")))
    assert full_text(stream, kind="response").text == "Hello"
