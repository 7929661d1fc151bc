"""Cloudflare checks: the API token, the gateway and its logs, write permission, and the
new-logging-system caveat. Every call goes through `bot.gateway.GatewayClient`.

The write check must change nothing. It GETs the newest log and PATCHes it with the feedback
the gateway reports for it; when none is reported it PATCHes `{}`, which the published schema
allows (the body's fields are all optional) and which names nothing to change.
"""

from __future__ import annotations

from bot.doctor._report import Report
from bot.gateway import (
    Budget,
    GatewayClient,
    GatewayError,
    ListQuery,
    Log,
    LogPage,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from bot.routes import Route

LOGGING_DOCS = "https://developers.cloudflare.com/ai-gateway/observability/logging/"
TOKENS_PAGE = "https://dash.cloudflare.com/profile/api-tokens"
TOKEN_FIX = (
    f"create a token at {TOKENS_PAGE} with Account › AI Gateway › Read and Edit for this "
    "account and put it in CLOUDFLARE_API_TOKEN"
)


class GatewayChecks:
    """Checks of one gateway, in order; a failure skips what depends on it."""

    def __init__(
        self,
        report: Report,
        *,
        base_url: str,
        account_id: str,
        gateway_id: str,
        token: str,
        budget: Budget,
    ) -> None:
        self.report = report
        self.base_url = base_url
        self.account = account_id
        self.gateway = gateway_id
        self.client = GatewayClient(
            base_url=base_url,
            account_id=account_id,
            gateway_id=gateway_id,
            token=token,
            budget=budget,
        )

    @classmethod
    def from_route(cls, route: Route, report: Report, *, budget: Budget) -> GatewayChecks:
        """Checks of one route's gateway."""
        return cls(
            report,
            base_url=route.api_base_url,
            account_id=route.account_id,
            gateway_id=route.gateway_id,
            token=route.api_token,
            budget=budget,
        )

    async def run(self, *, title: str = "") -> None:
        """Run every check in order; `title` names the route when there are several."""
        self.report.section(
            f"Cloudflare AI Gateway{f', {title}' if title else ''} ({self.base_url})"
        )
        try:
            if not await self.check_token():
                self.report.skip(
                    "gateway, logs and write permission: skipped until the token check passes"
                )
                return
            page = await self.check_logs()
            if page is not None and page.logs:
                await self.check_write(page.logs[0])
            elif page is not None:
                self.report.skip("write permission: there is no log to test it on")
        finally:
            await self.client.aclose()

    async def check_token(self) -> bool:
        """GET /user/tokens/verify (or the account-owned variant): the token is active."""
        try:
            token = await self.client.verify_token()
        except (RateLimited, Unavailable) as exc:
            self.transient("Cloudflare API token", exc)
            return False
        except GatewayError as exc:
            self.report.fail(f"Cloudflare API token rejected: {_why(exc)}", fix=TOKEN_FIX)
            return False
        if not token.active:
            self.report.fail(f"Cloudflare API token is {token.status}", fix=TOKEN_FIX)
            return False
        expiry = f", expires {token.expires_on:%Y-%m-%d}" if token.expires_on else ""
        self.report.ok(f"Cloudflare API token is active ({token.owner} token{expiry})")
        return True

    async def check_logs(self) -> LogPage | None:
        """List one log (per_page=1); the page when listing works."""
        try:
            page = await self.client.list_logs(ListQuery(per_page=1))
        except PermissionDenied as exc:
            lacks = "lacks AI Gateway Read for" if exc.code == 10000 else "is refused by"
            self.report.fail(
                f"listing logs: the token {lacks} account {self.account}: {_why(exc)}",
                fix=f"edit the token at {TOKENS_PAGE}: Permissions → Account › AI Gateway › "
                "Read and Edit; Account Resources → include this account",
            )
            return None
        except NotFound as exc:
            self.report.fail(
                f"gateway {self.gateway} not found in account {self.account}: {_why(exc)}",
                fix="check CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_GATEWAY_ID in the dashboard "
                "(AI → AI Gateway); if both are right, see the note below",
            )
            self.warn_logging_system("the logs API answered 404 for this gateway")
            return None
        except (RateLimited, Unavailable) as exc:
            self.transient("listing logs", exc)
            return None
        except GatewayError as exc:
            self.report.fail(f"listing logs failed: {_why(exc)}")
            return None
        count = "" if page.total_count is None else f" ({page.total_count} logs)"
        self.report.ok(f"gateway {self.gateway} is reachable and its logs are listable{count}")
        if not page.logs:
            self.warn_logging_system("the gateway lists no logs at all")
        return page

    def warn_logging_system(self, symptom: str) -> None:
        self.report.warn(
            f"{symptom}. Accounts created on or after 2026-09-24 use Cloudflare's new logging "
            "system (Workers Observability), which the REST logs API may not serve",
            fix="send a request through the gateway and run doctor again; if it still finds "
            f"no logs, read {LOGGING_DOCS} and README → Troubleshooting",
        )

    async def check_write(self, log: Log) -> None:
        """PATCH a real log with its current feedback, or with nothing, to prove Edit access."""
        try:
            current = (await self.client.get_log(log.id)).feedback
        except (RateLimited, Unavailable) as exc:
            self.transient("write permission", exc)
            return
        except GatewayError as exc:
            self.report.warn(f"write permission not checked: GET log {log.id}: {_why(exc)}")
            return
        if current is None:
            body = "{}"
            why = (
                "no feedback is reported for it, so none is written; an empty PATCH is valid "
                "per the API schema and changes nothing"
            )
        else:
            body, why = f'{{"feedback": {current}}}', "its current value, so nothing changes"
        try:
            await self.client.patch_log(log.id, feedback=current)
        except PermissionDenied as exc:
            self.report.fail(
                "write permission: the token can read logs but not write feedback; "
                f"PATCH answered {_why(exc)}",
                fix=f"edit the token at {TOKENS_PAGE}: add Account › AI Gateway › Edit; "
                "without it votes are kept but never reach Cloudflare",
            )
            return
        except (RateLimited, Unavailable) as exc:
            self.transient("write permission", exc)
            return
        except GatewayError as exc:
            self.report.warn(
                f"write permission not confirmed: PATCH {body} on log {log.id}: {_why(exc)}",
                fix="rate a sample in Slack and check that the message says 'saved'",
            )
            return
        self.report.ok(f"write permission: PATCH {body} on log {log.id} accepted ({why})")

    def transient(self, what: str, exc: RateLimited | Unavailable) -> None:
        if isinstance(exc, RateLimited):
            self.report.fail(
                f"{what}: Cloudflare rate limits this token, every call is blocked for "
                f"{exc.retry_after:.0f} s: {_why(exc)}",
                fix="wait, then run doctor again; the 1,200 requests per 5 minutes are shared "
                "by everything using the token, so give the bot a token of its own",
            )
        else:
            self.report.fail(
                f"{what}: Cloudflare did not answer: {_why(exc)}",
                fix=f"check CLOUDFLARE_API_BASE_URL ({self.base_url}) and outbound HTTPS; "
                "try again later",
            )


def _why(exc: GatewayError) -> str:
    """The status, Cloudflare's message and code, without the method and URL."""
    return exc.message.partition(": ")[2] or exc.message
