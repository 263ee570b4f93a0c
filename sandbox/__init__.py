"""A local, strict, Bot-API-compatible Telegram server for testing the bot end to end."""

from sandbox.server import RunningSandbox, Sandbox, create_app, start_sandbox

__all__ = ["RunningSandbox", "Sandbox", "create_app", "start_sandbox"]
