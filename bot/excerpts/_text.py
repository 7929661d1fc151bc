"""Bounded text: clipping, sanitising, tidying, and compact JSON that stops early."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bot.gateway import Body

NOT_STORED = "(not stored)"  # the gateway kept no body (payload collection off, or expired)
EMPTY = "(empty)"  # a body was stored, but it holds no text
NOTES = frozenset({NOT_STORED, EMPTY})  # what a renderer shows as a note, not as content
DEFAULT_LIMIT = 2800
FULL_LIMIT = 24 * 2900  # "Show full": what 24 Slack sections of 2,900 characters can hold
_MAX_ITEMS = 1000  # array items looked at in any one list (messages, parts, keys)
_MAX_DEPTH = 32  # nesting rendered by the JSON fallback
_TOOL_ARGS = 200  # characters of a tool call's arguments shown
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


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
