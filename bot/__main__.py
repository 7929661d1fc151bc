"""The `aig-feedback` command line (also `python -m bot`): parse, configure logging, run."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings

logger = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = argparse.ArgumentParser(
        prog="aig-feedback",
        description="Slack review queue for Cloudflare AI Gateway logs.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot: scheduler, Slack listeners, outbox worker")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--http", action="store_true", help="serve POST /slack/events (needs SLACK_SIGNING_SECRET)"
    )
    mode.add_argument(
        "--socket", action="store_true", help="connect over Socket Mode (needs SLACK_APP_TOKEN)"
    )
    run.add_argument("--port", type=int, default=None, help="HTTP port (default: $PORT or 3000)")
    run.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104 - Slack must reach the server; pass 127.0.0.1 locally
        help="HTTP address to bind (default: all interfaces)",
    )

    demo = sub.add_parser(
        "demo",
        help="everything local: sandbox gateway and Slack, the bot, and a sandbox Slack page",
    )
    demo.add_argument(
        "--port", type=int, default=3000, help="port of the sandbox Slack page (default: 3000)"
    )
    demo_mode = demo.add_mutually_exclusive_group()
    demo_mode.add_argument(
        "--no-serve", action="store_true", help="exit after the scripted walkthrough"
    )
    demo_mode.add_argument(
        "--no-walkthrough", action="store_true", help="skip the walkthrough; serve the page"
    )

    sample = sub.add_parser("sample", help="one sampling run now")
    sample.add_argument(
        "--count", type=int, default=None, help="logs to sample (default: $AIG_SAMPLE_SIZE)"
    )
    sample.add_argument(
        "--dry-run", action="store_true", help="print what would be posted; post nothing"
    )
    sample.add_argument(
        "--route", default=None, help="only this route of AIG_CONFIG (default: every route)"
    )

    sub.add_parser("migrate", help="apply store migrations")
    sub.add_parser(
        "doctor", help="check the Slack and Cloudflare credentials, channel and permissions"
    )
    sub.add_parser("digest", help="post the feedback digest (the last 7 days) now")
    export = sub.add_parser(
        "export", help="rated logs as a dataset (needs only the database); stdout by default"
    )
    export.add_argument(
        "--since",
        type=_since,
        default="30d",
        help="logs rated in this period: Nh, Nd or Nw (default: 30d)",
    )
    export.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", dest="fmt", help="default: jsonl"
    )
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    return parser


def _since(text: str) -> str:
    from bot.reports import parse_since

    try:
        parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "apscheduler.executors", "aiohttp.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "run":
            return asyncio.run(_run(args))
        if args.command == "demo":
            from bot.demo import run_demo  # the sandbox is only loaded for the demo

            return asyncio.run(
                run_demo(
                    walkthrough=not args.no_walkthrough, serve=not args.no_serve, port=args.port
                )
            )
        if args.command == "sample":
            return asyncio.run(_sample(args))
        if args.command == "migrate":
            return asyncio.run(_migrate())
        if args.command == "doctor":
            from bot.doctor import run_doctor

            return asyncio.run(run_doctor())
        if args.command == "digest":
            return asyncio.run(_digest())
        if args.command == "export":
            return _export(args)
    except ConfigError as exc:
        print(f"aig-feedback: {exc}", file=sys.stderr)
        print("See .env.example for every setting.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2


async def _run(args: argparse.Namespace) -> int:
    from bot.app import Bot

    probe = load_settings(need_slack=False, need_cloudflare=False)
    socket = args.socket or (not args.http and probe.socket_mode_available)
    settings = load_settings(need_signing_secret=not socket)
    if socket and not settings.slack_app_token:
        raise ConfigError(["--socket needs SLACK_APP_TOKEN (an xapp- app-level token)"])
    bot = Bot.build(settings)
    await bot.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    port = args.port if args.port is not None else settings.port
    try:
        await bot.serve_http(args.host, port)
        if socket:
            await bot.serve_socket()
        logger.info("aig-feedback is running in %s mode", "Socket" if socket else "HTTP")
        await stop.wait()
        logger.info("shutting down")
    finally:
        await bot.stop(timeout=5.0)  # with the HTTP drain and listener work, inside 10 s
    return 0


async def _sample(args: argparse.Namespace) -> int:
    from bot.app import Bot
    from bot.sampling.describe import run_lines

    settings = load_settings(need_slack=not args.dry_run)
    if args.count is not None and not 1 <= args.count <= 20:
        raise ConfigError(["--count must be between 1 and 20"])
    bot = Bot.build(_placeholder_slack(settings) if args.dry_run else settings, with_schedule=False)
    if args.route is not None and args.route not in bot.samplers:
        known = ", ".join(bot.samplers)
        raise ConfigError([f"--route {args.route!r} is not a configured route (routes: {known})"])
    await bot.store.migrate()
    failed = False
    try:
        for name in [args.route] if args.route else list(bot.samplers):
            sampler = bot.samplers[name]
            report = await sampler.run(args.count, dry_run=args.dry_run)
            lines = run_lines(
                report, route=name, channel=sampler.channel, plan=sampler.plan, dry_run=args.dry_run
            )
            print("\n".join(lines))
            for error in report.errors:
                print(f"  error: {error}", file=sys.stderr)
            failed = failed or bool(report.errors and not report.posted)
    finally:
        await bot.gateways.aclose()
        await bot.store.close()
    return 1 if failed else 0


def _placeholder_slack(settings: Settings) -> Settings:
    """A dry run talks to no Slack; fill what is absent so the bot can be built."""
    from dataclasses import replace

    return replace(
        settings,
        slack_bot_token=settings.slack_bot_token or "xoxb-dry-run",
        feedback_channel=settings.feedback_channel or "C0DRYRUN",
    )


async def _migrate() -> int:
    from bot.store import build_store

    settings = load_settings(need_slack=False, need_cloudflare=False)
    store = build_store(settings.database_url)
    revision = await store.migrate()
    await store.close()
    print(f"store at schema revision {revision}")
    return 0


async def _digest() -> int:
    from bot.app import Bot
    from bot.digest import build_digests
    from bot.publisher import SlackError

    settings = load_settings(need_cloudflare=False)
    bot = Bot.build(settings, with_schedule=False)
    await bot.store.migrate()
    failed = False
    try:
        routes = settings.route_list()
        for digest in build_digests(routes, store=bot.store, publisher=bot.publisher):
            try:
                report = await digest.post()
            except SlackError as exc:
                print(f"digest for {digest.channel} failed: {exc}", file=sys.stderr)
                failed = True
                continue
            stats = report.stats
            chart = f", chart {report.chart_file}" if report.chart_file else ", no chart (no votes)"
            print(
                f"digest posted to {report.channel}: {stats.posted} samples, "
                f"{stats.votes} votes, {len(stats.raters)} raters{chart}"
            )
    finally:
        await bot.gateways.aclose()
        await bot.store.close()
    return 1 if failed else 0


def _export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.export import run_export
    from bot.reports import parse_since, since_label

    settings = load_settings(need_slack=False, need_cloudflare=False)
    try:
        summary = run_export(
            database_url=settings.database_url,
            since=parse_since(args.since),
            fmt=args.fmt,
            output=args.output,
            now=datetime.now(UTC),
        )
    except OSError as exc:
        print(f"aig-feedback: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    where = f" to {args.output}" if args.output else ""
    print(
        f"exported {summary.rows} logs rated in the last {since_label(args.since)}{where}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
