"""Running the bot: long polling, webhook, or against the local sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import (
    Runtime,
    build_bot,
    build_dispatcher,
    build_progress,
    build_runtime,
    build_sender,
    publish_commands,
)
from bot.config import Settings
from bot.health import add_routes
from bot.outbox import OutboxSender
from scheduler import Leadership, add_jobs, build_scheduler
from storage.leases import Lease
from storage.migrate import upgrade, upgrade_async
from storage.operations import Figures, figures, unready

log = logging.getLogger("binome")

# Renewed every 20 s: a leader that dies is replaced within a minute.
LEASE_SECONDS = 60


def migrate(settings: Settings) -> None:
    upgrade(settings.database_url)


async def _serve(runtime: Runtime, bot: Bot, dp: Dispatcher, *, scheduler: bool,
                 one_update_at_a_time: bool = False,
                 stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (SIGTERM or SIGINT in ``binome run``), then shut down
    within ``SHUTDOWN_SECONDS``: no new updates, the updates being handled and the sends in
    flight finish, the rows claimed but not sent are given back, the scheduler stops, the
    lease is released and the sessions closed."""
    stop = stop or asyncio.Event()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(runtime.close)
        stack.push_async_callback(bot.session.close)
        if scheduler:
            lease = Lease(runtime.sessions, "scheduler", f"{socket.gethostname()}:{os.getpid()}",
                          timedelta(seconds=LEASE_SECONDS), database_clock=True)
            leadership = Leadership(lease.acquire)
            jobs = build_scheduler()
            add_jobs(jobs, leadership, runtime.matchmaker, runtime.keeping,
                     runtime.availability, runtime.settings.matching_interval_minutes,
                     purge_relay=runtime.relay.store.purge, vetting=runtime.vetting)
            jobs.start()
            stack.push_async_callback(lease.release)
            stack.push_async_callback(_stop_jobs, jobs)
            outbox = build_sender(runtime, bot)
            sender = asyncio.create_task(outbox.run(while_true=lambda: leadership.leader))
            stack.push_async_callback(_stop_sender, outbox, sender)
            progress = asyncio.create_task(build_progress(runtime, bot, outbox).run(
                while_true=lambda: leadership.leader))
            stack.push_async_callback(_cancel, progress)
        await publish_commands(bot, runtime.i18n, runtime)
        settings = runtime.settings
        if settings.webhook_url:
            await _serve_webhook(runtime, bot, dp, stop)
        else:
            if settings.health_port is not None:
                await _serve_health(runtime, stack)
            await _poll(bot, dp, stop, handle_as_tasks=not one_update_at_a_time)
        log.info("stopping")


SHUTDOWN_SECONDS = 10
# Shares of SHUTDOWN_SECONDS: updates being handled, then the outbox's sends in flight.
HANDLERS_SECONDS, SENDS_SECONDS = 3.0, 5.0


async def _poll(bot: Bot, dp: Dispatcher, stop: asyncio.Event, *,
                handle_as_tasks: bool) -> None:
    # Our own signal handling and session closing: aiogram's would stop polling only, and
    # close the bot's session while the outbox may still be sending with it.
    polling = asyncio.create_task(dp.start_polling(
        bot, handle_signals=False, close_bot_session=False, handle_as_tasks=handle_as_tasks))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not polling.done():
            with contextlib.suppress(RuntimeError):  # polling had not started yet
                await dp.stop_polling()
            await _cancel(polling, HANDLERS_SECONDS)
        # Updates handled as tasks: aiogram keeps them, but does not wait for them on stop.
        handling = set(getattr(dp, "_handle_update_tasks", ()))
        if handling:
            await asyncio.wait(handling, timeout=HANDLERS_SECONDS)
    if polling.done() and not polling.cancelled():
        polling.result()  # polling that ended on its own: its error, if any


async def _stop_sender(outbox: OutboxSender, sender: asyncio.Task[None]) -> None:
    outbox.stop()
    await _cancel(sender, SENDS_SECONDS)


async def _stop_jobs(jobs: AsyncIOScheduler) -> None:
    # A job still running is cancelled; every job is idempotent, so what it had not
    # committed is done again by the next process to lead.
    jobs.shutdown(wait=False)
    await asyncio.sleep(0)


async def _cancel(task: asyncio.Task[Any], grace: float = 0.0) -> None:
    """Let ``task`` end by itself within ``grace`` seconds, else cancel it, and wait."""
    if grace > 0:
        await asyncio.wait({task}, timeout=grace)
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if not task.cancelled() and task.exception() is not None:
        log.error("%s ended with an error", task.get_name(), exc_info=task.exception())


def _operations(runtime: Runtime, app: web.Application) -> None:
    """``/healthz``, ``/readyz`` and ``/metrics`` on ``app``."""
    settings = runtime.settings

    async def database() -> str | None:
        return await unready(runtime.engine, settings.database_url)

    checks = [database]
    redis = getattr(runtime.storage, "redis", None)
    if redis is not None:
        async def redis_answers() -> str | None:
            try:
                await redis.ping()
            except Exception as error:  # any connection error: not ready
                return f"redis: {type(error).__name__}"
            return None
        checks.append(redis_answers)

    async def read(now: datetime) -> Figures:
        return await figures(runtime.sessions, now)

    add_routes(app, checks, read, runtime.clock)


async def _serve_health(runtime: Runtime, stack: AsyncExitStack) -> None:
    """The operations endpoints on their own port, for a bot that polls."""
    settings = runtime.settings
    app = web.Application()
    _operations(runtime, app)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.health_port).start()
    stack.push_async_callback(runner.cleanup)
    log.info("health and metrics on %s:%s", settings.webhook_host, settings.health_port)


async def _serve_webhook(runtime: Runtime, bot: Bot, dp: Dispatcher,
                         stop: asyncio.Event) -> None:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application

    settings = runtime.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = web.Application()
    _operations(runtime, app)
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path="/webhook")
    setup_application(app, dp, bot=bot)
    await bot.set_webhook(settings.webhook_url or "", secret_token=secret,
                          drop_pending_updates=False)
    runner = web.AppRunner(app, shutdown_timeout=HANDLERS_SECONDS)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)


async def run_telegram(settings: Settings, *, scheduler: bool) -> None:
    await upgrade_async(settings.database_url)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    runtime = build_runtime(settings)
    bot = build_bot(settings)
    await _serve(runtime, bot, build_dispatcher(runtime), scheduler=scheduler, stop=stop)


async def run_sandbox(settings: Settings, port: int, *, scheduler: bool,
                      demo: bool = False) -> None:
    """The sandbox server, its chat page and the bot in one process, for trying Binôme
    without Telegram. The bot runs on a clock the page can move forward."""
    from bot.sandbox_link import ProgrammeClock, link_sandbox, register_people
    from sandbox.server import start_sandbox

    await upgrade_async(settings.database_url)
    running = await start_sandbox(host=settings.sandbox_host, port=port)
    try:
        clock = ProgrammeClock()
        runtime = build_runtime(settings, clock)
        bot = build_bot(settings, token=running.token, api_url=running.url)
        seeded = None
        if demo:
            from bot.demo import seed_demo

            seeded = await seed_demo(runtime.sessions, clock())
            print(seeded, flush=True)
        await register_people(running.sandbox, runtime)
        if seeded and seeded.written:
            # Matching shows at once instead of at the first hourly batch.
            _plan, made = await runtime.matchmaker.run_batch(time_budget=10)
            print(f"Demo matching: {made} students proposed to volunteers.", flush=True)
        link_sandbox(running.sandbox, runtime, bot, clock)
        print(sandbox_banner(running.url), flush=True)
        # One update at a time: a control call that waits for its update then returns only
        # once the bot has answered, so what you read next is the bot's reply.
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await _serve(runtime, bot, build_dispatcher(runtime), scheduler=scheduler,
                     one_update_at_a_time=True, stop=stop)
    finally:
        await running.stop()


def sandbox_banner(url: str) -> str:
    return "\n".join([
        "",
        "Binôme is running against the local sandbox (no BOT_TOKEN set).",
        f"Open {url}/ in your browser to chat with it.",
        f"(Scripts can drive it through the control API under {url}/control/.)",
        "Press Ctrl+C to stop.",
        "",
    ])


async def run_tick(settings: Settings, at: datetime | None) -> dict[str, int]:
    """What the scheduler's tick would do at ``at``, once. The running bot sends the
    messages it queues."""
    from scheduler import tick

    await upgrade_async(settings.database_url)
    runtime = build_runtime(settings)
    try:
        return await tick(runtime.matchmaker, runtime.keeping, runtime.availability, at,
                          broadcasts=runtime.broadcasts, purge_relay=runtime.relay.store.purge,
                          vetting=runtime.vetting)
    finally:
        await runtime.close()


async def run_match(settings: Settings, *, dry_run: bool, time_budget: float) -> None:
    """Global matching of the waiting list, printed as a table."""
    from bot.report import print_plan

    await upgrade_async(settings.database_url)
    runtime = build_runtime(settings)
    try:
        plan, waiting, volunteers = await runtime.matchmaker.plan_batch(time_budget)
        made = None if dry_run else await runtime.matchmaker.apply_plan(plan)
        print_plan(plan, waiting, volunteers, made=made)
    finally:
        await runtime.close()
