"""Block Kit rendering for every message and view the bot sends.

Owns: turning Cards, tallies, sync statuses and reports into a top-level `text` plus `blocks`
that stay within Block Kit's limits whatever the input, with user-provided text escaped for
mrkdwn and LLM text kept inside its code block.

Must not: do IO or import Bolt. Slack IDs come from `bot.ids`, never from literals here.

    _kit      the message value, escaping and clipping, block constructors
    _cards    samples, lookup cards, and the slash command's short replies
    _reports  /aig stats, the App Home tab, the weekly digest
"""

from bot.blocks._cards import (
    error_message,
    help_message,
    lookup_message,
    not_allowed_message,
    note_prompt_message,
    note_saved_message,
    sample_message,
    sampled_message,
)
from bot.blocks._kit import Block, Message
from bot.blocks._reports import (
    STATS_LISTED,
    digest_message,
    home_view,
    stats_message,
    with_sections,
)

__all__ = [
    "STATS_LISTED",
    "Block",
    "Message",
    "digest_message",
    "error_message",
    "help_message",
    "home_view",
    "lookup_message",
    "not_allowed_message",
    "note_prompt_message",
    "note_saved_message",
    "sample_message",
    "sampled_message",
    "stats_message",
    "with_sections",
]
