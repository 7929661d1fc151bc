"""Slack identifiers shared by the renderers (`blocks.py`) and the listeners (`slack/`).

One place for every action_id, block_id and callback_id, so a button and its handler can
never drift apart.
"""

VOTE_UP = "aig_vote_up"
VOTE_DOWN = "aig_vote_down"
RETRY_SYNC = "aig_retry_sync"

VOTE_BLOCK = "aig_votes"
STATUS_BLOCK = "aig_status"

SLASH_COMMAND = "/aig"

VOTE_ACTIONS = (VOTE_UP, VOTE_DOWN)

# Review workflow: the reason modal, "Show full", and the notes line on a card.
SHOW_FULL = "aig_show_full"
ADD_NOTE = "aig_add_note"
NOTES_BLOCK = "aig_notes"
REASON_VIEW = "aig_reason"  # callback_id of the "Why 👎?" / "Add a note" modal
REASON_CATEGORY_BLOCK = "aig_reason_category"
REASON_CATEGORY = "aig_reason_category_choice"
REASON_NOTE_BLOCK = "aig_reason_note"
REASON_NOTE = "aig_reason_note_text"
FULL_LOG_VIEW = "aig_full_log"  # callback_id of the "Show full" modal

# App Home: the "Open" buttons that jump to a sample (link buttons still send an action to ack);
# each button gets this prefix plus its position, since action_ids must be unique in a view.
HOME_OPEN_PREFIX = "aig_home_open"
