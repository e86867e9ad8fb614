"""The Slack app (issue 16): home tab, Start Shift modal with the gatekeeper, manager home.

A separate process (``make slack``, ``worker.slack.app``). Every action runs as the
employee behind the Slack user with PostgREST's own claims, one transaction each
(``worker.slack.api``). Locked-day DMs are sent by the worker's notification lane
(``worker.notifications``), not by this process.
"""
