"""The gatekeeper's optional second opinion from a language model.

One chat-completions call to an OpenAI-compatible endpoint (``OPENAI_BASE_URL``,
``OPENAI_API_KEY``, ``OPENAI_MODEL``) with a strict timeout. Availability first:
a timeout, an HTTP error or an answer that is not the asked-for JSON gives
``SKIPPED`` with the reason, and the clock-in goes ahead (the SQL rules have
already passed the plan). The verdict is what ``api.clock_in`` records in the
event's payload (``second_opinion``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from worker.config import ModelSettings
from worker.observability import log

SYSTEM_PROMPT = (
    "You check an employee's plan for their working day. Answer only with JSON"
    ' {"valid": true|false, "reason": "<one short sentence>"}: valid when it describes real work'
    " in words, invalid when it is random keys, filler or not a plan."
)
MAX_PLAN_CHARS = 2000


@dataclass(frozen=True)
class Opinion:
    status: str  # PASSED, REJECTED, SKIPPED
    reason: str
    model: str

    def payload(self) -> dict[str, Any]:
        """What api.clock_in records (REJECTED plans are never clocked in)."""
        return {"status": self.status, "reason": self.reason, "model": self.model}


class SecondOpinion:
    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self.http = httpx.Client(
            base_url=settings.base_url, headers=headers, timeout=httpx.Timeout(settings.timeout_seconds)
        )

    def ask(self, plan: str) -> Opinion:
        model = self.settings.model
        try:
            answer = self.http.post(
                "/chat/completions",
                json={
                    "model": model,
                    "temperature": 0,
                    "max_tokens": 100,
                    "messages": [
                        {"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": plan[:MAX_PLAN_CHARS]},
                    ],
                },
            )
        except httpx.TimeoutException:
            return self._skipped(f"MODEL_TIMEOUT: no answer within {self.settings.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return self._skipped(f"MODEL_UNREACHABLE: {type(exc).__name__}")
        if answer.status_code != 200:
            return self._skipped(f"MODEL_HTTP_{answer.status_code}")
        try:
            content = answer.json()["choices"][0]["message"]["content"]
            verdict = json.loads(content)
            valid = verdict["valid"]
            reason = str(verdict.get("reason") or "")[:300]
        except (ValueError, KeyError, IndexError, TypeError):
            return self._skipped("MODEL_BAD_ANSWER: not the asked-for JSON")
        if not isinstance(valid, bool):
            return self._skipped("MODEL_BAD_ANSWER: valid is not true or false")
        if valid:
            return Opinion("PASSED", reason or "The model agrees this is a plan.", model)
        return Opinion("REJECTED", reason or "The model does not read this as a plan for the day.", model)

    def _skipped(self, reason: str) -> Opinion:
        log.warning("gatekeeper_model_skipped", reason=reason)
        return Opinion("SKIPPED", reason, self.settings.model)
