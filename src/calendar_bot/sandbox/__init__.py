"""`calendar-bot sandbox`: the whole bot in a browser with one command, nothing configured."""

from calendar_bot.sandbox.demo import DEMO_USERS, DemoUser
from calendar_bot.sandbox.runner import Sandbox, run_sandbox, serve

__all__ = ["DEMO_USERS", "DemoUser", "Sandbox", "run_sandbox", "serve"]
