"""The operations endpoints and metrics: /healthz, /readyz and /metrics on a real process,
readiness refused for the reasons a load balancer must know, the gauges read from the
database, Telegram's refusals and retries counted, and JSON logs naming the update."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY
from sqlalchemy import insert

from bot import metrics
from bot.health import add_routes
from bot.logs import configure
from storage.database import make_engine, make_sessionmaker
from storage.migrate import downgrade, upgrade_async
from storage.operations import Figures, figures, unready
from storage.tables import FollowUpRow, OutboxRow, PairRow, UserRow
from tests.e2e.test_process import polling, say

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        return answer.status, await answer.text()


@pytest.mark.slow
async def test_a_polling_process_serves_health_readiness_and_metrics(
        sandbox, client, empty_database_url, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url,
           "DATABASE_URL": empty_database_url, "REDIS_URL": "", "HEALTH_PORT": str(port),
           "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    log = (tmp_path / "bot.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--no-scheduler", env=env, cwd=tmp_path,
        stdout=log, stderr=log)
    try:
        await polling(client)
        base = f"http://127.0.0.1:{port}"
        assert await get(f"{base}/healthz") == (200, json.dumps({"status": "ok"}))
        status, body = await get(f"{base}/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready"})
        lea = await client.create_user(first_name="Léa", language_code="en")
        assert await say(lea, "/start", expect=2)
        _, page = await get(f"{base}/metrics")
        lines = page.splitlines()
        handled = [line for line in lines if line.startswith(
            'binome_updates_total{outcome="handled",type="message"}')]
        assert handled and float(handled[0].split()[-1]) >= 1
        assert any(line.startswith('binome_telegram_requests_total{method="sendMessage",'
                                   'outcome="ok"}') for line in lines)
        assert "binome_database_up 1.0" in lines
        assert "binome_scheduler_lag_seconds 0.0" in lines
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)
        log.close()
    # Every line the process logged is one JSON object.
    logged = [json.loads(line) for line in (tmp_path / "bot.log").read_text().splitlines()
              if line.strip()]
    assert logged and all({"time", "level", "logger", "message"} <= set(e) for e in logged)


async def serve(checks, read=None) -> TestServer:
    app = web.Application()

    async def nothing(_: datetime) -> Figures:
        return Figures()

    add_routes(app, checks, read or nothing, lambda: NOW)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_ready_only_with_the_newest_migration_and_a_reachable_database(
        empty_database_url) -> None:
    engine = make_engine(empty_database_url)
    try:
        await upgrade_async(empty_database_url)
        assert await unready(engine, empty_database_url) is None
        await asyncio.to_thread(downgrade, empty_database_url, "0012")
        why = await unready(engine, empty_database_url)
        assert why is not None and "'0012'" in why and "expected" in why

        async def check() -> str | None:
            return await unready(engine, empty_database_url)

        server = await serve([check])
        try:
            status, body = await get(str(server.make_url("/readyz")))
            assert status == 503 and json.loads(body)["problems"] == [why]
            assert (await get(str(server.make_url("/healthz"))))[0] == 200
        finally:
            await server.close()
    finally:
        await engine.dispose()
    nowhere = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        assert (await unready(nowhere, "postgresql+asyncpg://postgres@127.0.0.1:1/none")
                or "").startswith("database: ")
    finally:
        await nowhere.dispose()


async def test_the_gauges_come_from_the_database(database_url) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            await session.execute(insert(UserRow), [
                {"id": i, "language": "fr", "blocked": False, "created_at": NOW}
                for i in (1, 2, 1001)])
            await session.execute(insert(PairRow), [
                {"id": 1, "student_id": 1, "volunteer_id": 1001, "status": "active",
                 "started_at": NOW},
                {"id": 2, "student_id": 2, "volunteer_id": 1001, "status": "ended",
                 "started_at": NOW}])
            await session.execute(insert(OutboxRow), [
                {"key": f"k{n}", "recipient_id": 1, "kind": "x", "params": {},
                 "status": status, "due_at": NOW - timedelta(seconds=due), "attempts": 0,
                 "created_at": NOW, "lane": 0}
                for n, (status, due) in enumerate([("pending", 120), ("pending", -60),
                                                   ("sent", 600)])])
            await session.execute(insert(FollowUpRow).values(
                pair_id=1, started_at=NOW, rhythm="weekly", first_exchange_done=False,
                silent_periods=0, next_due_at=NOW - timedelta(minutes=5), scheduled_at=NOW,
                next_kind="checkin", frozen=False, ended=False, sequence=0))
        read = await figures(sessions, NOW)
        assert read == Figures(outbox={"pending": 2, "sent": 1}, outbox_oldest_due_seconds=120,
                               pairs={"active": 1, "ended": 1}, scheduler_lag_seconds=300)

        async def reading(now: datetime) -> Figures:
            return await figures(sessions, now)

        server = await serve([], reading)
        try:
            _, page = await get(str(server.make_url("/metrics")))
        finally:
            await server.close()
        assert 'binome_outbox_rows{status="pending"} 2.0' in page
        assert "binome_outbox_oldest_due_seconds 120.0" in page
        assert 'binome_pairs{status="ended"} 1.0' in page
        assert "binome_scheduler_lag_seconds 300.0" in page
    finally:
        await engine.dispose()


async def test_server_errors_and_retries_are_counted_by_method(binome, client) -> None:
    before = (sample("binome_telegram_requests_total", method="sendMessage",
                     outcome="server_error"),
              sample("binome_telegram_retries_total", method="sendMessage"),
              sample("binome_updates_total", type="message", outcome="handled"))
    lea = await client.create_user(first_name="Léa", language_code="en")
    await client.add_fault("sendMessage", "502", count=2, chat_id=lea.id)
    await lea.send("/start")
    after = (sample("binome_telegram_requests_total", method="sendMessage",
                    outcome="server_error"),
             sample("binome_telegram_retries_total", method="sendMessage"),
             sample("binome_updates_total", type="message", outcome="handled"))
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (2, 2, 1)


def test_json_logs_carry_the_update_id_and_plain_lines_name_it() -> None:
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    try:
        for form in ("json", "plain"):
            stream = io.StringIO()
            configure("INFO", form, stream)
            token = metrics.update_id.set(42)
            try:
                logging.getLogger("binome.test").info("user %s answered", 7)
            finally:
                metrics.update_id.reset(token)
            logging.getLogger("binome.test").info("outside")
            first, second = stream.getvalue().splitlines()
            if form == "json":
                assert json.loads(first)["update_id"] == 42
                assert json.loads(first)["message"] == "user 7 answered"
                assert json.loads(second)["update_id"] is None
            else:
                assert "[update 42]" in first and "[update" not in second
    finally:
        root.handlers[:], _ = kept
        root.setLevel(kept[1])
