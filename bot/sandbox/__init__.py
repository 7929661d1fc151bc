"""Local stand-ins for Slack and Cloudflare AI Gateway, real HTTP servers on loopback.

They back `aig-feedback demo`, the end-to-end tests and the benchmarks.
"""

from typing import TYPE_CHECKING, Any

from bot.sandbox._gateway_calls import RecordedCall
from bot.sandbox._served import Served
from bot.sandbox.seed import LogSource, build_logs

if TYPE_CHECKING:
    from bot.sandbox.gateway import GatewaySandbox
    from bot.sandbox.slack import SlackSandbox

__all__ = ["GatewaySandbox", "LogSource", "RecordedCall", "Served", "SlackSandbox", "build_logs"]


def __getattr__(name: str) -> Any:
    # The sandbox servers load on first use, so that `python -m bot.sandbox.gateway` (or
    # `.slack`) runs its module without runpy warning that the package had already imported it.
    if name == "GatewaySandbox":
        from bot.sandbox.gateway import GatewaySandbox

        return GatewaySandbox
    if name == "SlackSandbox":
        from bot.sandbox.slack import SlackSandbox

        return SlackSandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
