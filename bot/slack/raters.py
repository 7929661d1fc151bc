"""Who may rate: `AIG_ALLOWED_RATERS` user IDs and the members of its user groups.

User groups (S…) are resolved with `usergroups.users.list` and cached for a few minutes, so a
burst of clicks costs Slack one call per group, not one per click.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 300.0


class RaterPolicy:
    """Decides whether a Slack user may vote."""

    def __init__(
        self, allowed: frozenset[str], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.users = frozenset(a for a in allowed if not a.startswith("S"))
        self.groups = frozenset(a for a in allowed if a.startswith("S"))
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    @property
    def open_to_all(self) -> bool:
        """Whether anyone who can see the message may vote."""
        return not self.users and not self.groups

    async def allows(self, user_id: str, client: AsyncWebClient) -> bool:
        """Whether `user_id` may vote (resolving user groups through Slack when needed)."""
        if self.open_to_all or user_id in self.users:
            return True
        for group in sorted(self.groups):
            if user_id in await self._group_members(group, client):
                return True
        return False

    async def _group_members(self, group: str, client: AsyncWebClient) -> frozenset[str]:
        cached = self._members.get(group)
        if cached and cached[0] > self._clock():
            return cached[1]
        try:
            response = await client.usergroups_users_list(usergroup=group)
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("could not resolve user group %s: %s", group, exc)
            return cached[1] if cached else frozenset()
        users = response.get("users") or []
        members = frozenset(str(u) for u in users)
        self._members[group] = (self._clock() + GROUP_CACHE_SECONDS, members)
        return members
