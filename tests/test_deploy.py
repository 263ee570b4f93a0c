"""The deployment files in deploy/ hold together: the compose file's services and settings
exist, the dashboard asks only for metrics the bot exports, the container's health check
really probes /healthz, and the systemd unit runs `binome run` from the virtual environment.
(No container engine runs here, so the image itself is not built by the tests.)"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

import bot.metrics  # noqa: F401  (registers the metrics)
from bot.config import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_compose_runs_migrate_leader_workers_proxy_postgres_and_redis() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"migrate", "leader", "worker", "proxy", "postgres", "redis"}
    assert services["migrate"]["command"] == ["migrate"]
    assert services["worker"]["command"] == ["run", "--no-scheduler"]
    assert services["leader"]["command"] == ["run"]
    for name in ("leader", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}
    known = {name.upper() for name in Settings.model_fields}
    for name in ("migrate", "leader", "worker"):
        assert set(services[name]["environment"]) <= known
    assert services["worker"]["build"]["dockerfile"] == "deploy/Dockerfile"
    for volume in services["proxy"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).exists(), source


def test_the_dashboard_asks_only_for_metrics_the_bot_exports() -> None:
    exported: set[str] = set()
    for family in REGISTRY.collect():
        if not family.name.startswith("binome_"):
            continue
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"],
                    "gauge": [""]}[family.type]
        exported |= {family.name + suffix for suffix in suffixes}
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    asked = {name for panel in dashboard["panels"] for target in panel["targets"]
             for name in re.findall(r"binome_[a-z_]+", target["expr"])}
    assert asked and asked <= exported, asked - exported
    assert len(asked) >= 8


def _healthcheck() -> str:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    [command] = re.findall(r"^HEALTHCHECK .*? CMD (.+)$", text, re.M)
    return command


def test_the_image_runs_as_a_user_from_the_hashed_lock() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "--require-hashes -r requirements.txt" in text
    assert re.search(r'^ENTRYPOINT \["binome"\]', text, re.M)


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_container_health_check_probes_healthz() -> None:
    args = shlex.split(_healthcheck())
    assert args[0] == "python"
    server = HTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        ok = subprocess.run([sys.executable, *args[1:]], env={"WEBHOOK_PORT": str(port)},
                            capture_output=True, timeout=20)
        assert ok.returncode == 0, ok.stderr
        via_health_port = subprocess.run([sys.executable, *args[1:]], env={
            "WEBHOOK_PORT": "1", "HEALTH_PORT": str(port)}, capture_output=True, timeout=20)
        assert via_health_port.returncode == 0, via_health_port.stderr
    finally:
        server.shutdown()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = subprocess.run([sys.executable, *args[1:]], env={"WEBHOOK_PORT": str(closed)},
                          capture_output=True, timeout=20)
    assert down.returncode != 0


def test_the_systemd_unit_runs_binome_from_the_virtual_environment() -> None:
    unit = (DEPLOY / "binome@.service").read_text()
    assert re.search(r"^ExecStart=\S+/\.venv/bin/binome run$", unit, re.M)
    assert "KillSignal=SIGTERM" in unit and re.search(r"^User=binome$", unit, re.M)
