"""Local Slack Web API sandbox (development only); see ``server``."""

from worker.devtools.slack_sandbox.server import BOT_TOKEN, SIGNING_SECRET, SlackSandbox

__all__ = ["BOT_TOKEN", "SIGNING_SECRET", "SlackSandbox"]
