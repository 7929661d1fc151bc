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

# App Home: the "Open" buttons that jump to a sample (link buttons still send an action to ack);
# each button gets this prefix plus its position, since action_ids must be unique in a view.
HOME_OPEN_PREFIX = "aig_home_open"
