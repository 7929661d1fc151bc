"""Block Kit checks the Slack sandbox applies to every message, ephemeral, webhook reply and view.

The limits are Slack's own (docs.slack.dev/reference/block-kit, mirrored by the constants in
`slack_sdk.models.blocks`): 50 blocks per message and 100 per view, section text 3,000, header
150, context 10 elements, actions 25, button text 75 / value 2,000, `action_id` and `block_id` 255
and unique within the payload. Errors read like Slack's: ``"<problem> [json-pointer:/blocks/0/…]"``.
The undocumented aggregate cap behind `msg_blocks_too_long` is measured separately by
`block_text_length`. This module only inspects JSON; it owns no state and does no IO.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MAX_BLOCK_TEXT = 12_000  # what users hit as msg_blocks_too_long (bolt-js #2509)
MAX_MESSAGE_TEXT = 40_000  # top-level text; Slack truncates beyond this

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
_BUTTON_STYLES = frozenset({"primary", "danger"})


class _Checker:
    """Walks one blocks array, collecting errors and the identifiers that must be unique."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._block_ids: set[str] = set()
        self._action_ids: set[str] = set()

    def fail(self, problem: str, pointer: str) -> None:
        self.errors.append(f"{problem} [json-pointer:{pointer}]")

    def length(self, value: object, maximum: int, pointer: str, *, minimum: int = 0) -> None:
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > maximum:
            self.fail(f"must be less than {maximum + 1} characters", pointer)
        elif len(value) < minimum:
            self.fail(f"must be more than {minimum - 1} characters", pointer)

    def text(self, obj: object, maximum: int, pointer: str, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.fail("must be a text object", pointer)
            return
        allowed = {"plain_text"} if plain_only else _TEXT_TYPES
        if obj.get("type") not in allowed:
            self.fail(f"must be one of {sorted(allowed)}", f"{pointer}/type")
        self.length(obj.get("text"), maximum, f"{pointer}/text", minimum=1)

    def items(self, value: object, maximum: int, pointer: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail("must be an array", pointer)
            return []
        if not value:
            self.fail("must have at least 1 item", pointer)
        elif len(value) > maximum:
            self.fail(f"no more than {maximum} items allowed", pointer)
        return value

    def action_id(self, element: dict[str, Any], pointer: str) -> None:
        action_id = element.get("action_id")
        if action_id is None:
            return
        self.length(action_id, 255, f"{pointer}/action_id")
        if action_id in self._action_ids:
            self.fail(f"duplicate action_id {action_id!r}", f"{pointer}/action_id")
        self._action_ids.add(str(action_id))

    def button(self, element: dict[str, Any], pointer: str) -> None:
        self.text(element.get("text"), 75, f"{pointer}/text", plain_only=True)
        self.action_id(element, pointer)
        if "value" in element:
            self.length(element["value"], 2000, f"{pointer}/value")
        if "url" in element:
            self.length(element["url"], 3000, f"{pointer}/url")
        if "style" in element and element["style"] not in _BUTTON_STYLES:
            self.fail("must be one of ['danger', 'primary']", f"{pointer}/style")

    def element(self, element: object, pointer: str) -> None:
        if not isinstance(element, dict) or not isinstance(element.get("type"), str):
            self.fail("missing required field: type", pointer)
            return
        if element["type"] == "button":
            self.button(element, pointer)
        else:
            self.action_id(element, pointer)

    def feedback_buttons(self, element: dict[str, Any], pointer: str) -> None:
        self.action_id(element, pointer)
        for side in ("positive_button", "negative_button"):
            button = element.get(side)
            if not isinstance(button, dict):
                self.fail(f"missing required field: {side}", f"{pointer}/{side}")
                continue
            self.text(button.get("text"), 75, f"{pointer}/{side}/text", plain_only=True)
            self.length(button.get("value"), 2000, f"{pointer}/{side}/value", minimum=1)

    def block(self, block: object, pointer: str) -> None:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            self.fail("missing required field: type", pointer)
            return
        kind = block["type"]
        if kind not in KNOWN_BLOCK_TYPES:
            self.fail(f"unsupported block type {kind!r}", f"{pointer}/type")
            return
        if "block_id" in block:
            self.length(block["block_id"], 255, f"{pointer}/block_id", minimum=1)
            if block["block_id"] in self._block_ids:
                self.fail(f"duplicate block_id {block['block_id']!r}", f"{pointer}/block_id")
            self._block_ids.add(str(block["block_id"]))
        getattr(self, f"_block_{kind}", _no_checks)(block, pointer)

    def _block_section(self, block: dict[str, Any], pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail("must provide either text or fields", pointer)
        if "text" in block:
            self.text(block["text"], 3000, f"{pointer}/text")
        if "fields" in block:
            for i, field in enumerate(self.items(block["fields"], 10, f"{pointer}/fields")):
                self.text(field, 2000, f"{pointer}/fields/{i}")
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def _block_header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), 150, f"{pointer}/text", plain_only=True)

    def _block_context(self, block: dict[str, Any], pointer: str) -> None:
        for i, element in enumerate(self.items(block.get("elements"), 10, f"{pointer}/elements")):
            at = f"{pointer}/elements/{i}"
            if isinstance(element, dict) and element.get("type") in _TEXT_TYPES:
                self.text(element, 3000, at)
            elif not (isinstance(element, dict) and element.get("type") == "image"):
                self.fail("must be a text object or an image element", at)

    def _block_actions(self, block: dict[str, Any], pointer: str) -> None:
        for i, element in enumerate(self.items(block.get("elements"), 25, f"{pointer}/elements")):
            self.element(element, f"{pointer}/elements/{i}")

    def _block_context_actions(self, block: dict[str, Any], pointer: str) -> None:
        for i, element in enumerate(self.items(block.get("elements"), 5, f"{pointer}/elements")):
            at = f"{pointer}/elements/{i}"
            kind = element.get("type") if isinstance(element, dict) else None
            if kind == "feedback_buttons" and isinstance(element, dict):
                self.feedback_buttons(element, at)
            elif kind == "icon_button" and isinstance(element, dict):
                self.action_id(element, at)
            else:
                self.fail("must be a feedback_buttons or icon_button element", at)

    def _block_markdown(self, block: dict[str, Any], pointer: str) -> None:
        self.length(block.get("text"), MAX_BLOCK_TEXT, f"{pointer}/text", minimum=1)

    def _block_input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), 2000, f"{pointer}/label", plain_only=True)
        self.element(block.get("element"), f"{pointer}/element")

    def _block_rich_text(self, block: dict[str, Any], pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.fail("missing required field: elements", f"{pointer}/elements")


def _no_checks(block: dict[str, Any], pointer: str) -> None:
    """Block types whose inner shape the sandbox does not police (divider, image, file, …)."""


def check_blocks(blocks: object, *, max_blocks: int, pointer: str = "/blocks") -> list[str]:
    """Every Block Kit problem in `blocks`, worded like Slack's `invalid_blocks` errors."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.fail("must be an array", pointer)
        return checker.errors
    if len(blocks) > max_blocks:
        checker.fail(f"no more than {max_blocks} items allowed", pointer)
    for i, block in enumerate(blocks):
        checker.block(block, f"{pointer}/{i}")
    return checker.errors


def block_text_length(value: object) -> int:
    """Characters in every `text` string inside `value`: what Slack's aggregate cap counts."""
    return sum(len(text) for text in _texts(value))


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) for every element a user can click, in display order."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        kind = block.get("type")
        if kind == "actions" or kind == "context_actions":
            for element in block.get("elements", []):
                yield block_id, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block_id, block["accessory"]
