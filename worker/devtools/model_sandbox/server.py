"""Local OpenAI-compatible model sandbox: ``POST /v1/chat/completions`` on loopback,
with a Bearer key, answering the gatekeeper's question the way a chat model does
(``choices[0].message.content`` holding the asked-for JSON).

Its verdict: a plan with at least three words of three or more letters is valid,
anything else is not; ``/_sandbox/verdict`` (POST {"valid", "reason"}) fixes the
next answers instead. Fault switches: ``hang`` {"count": n, "seconds": s} answers
late, ``error`` {"count": n, "status": 500} fails, ``garbage`` answers prose.
The client points at it with ``OPENAI_BASE_URL=<url>/v1`` and ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, ClassVar

import click
from werkzeug.routing import Rule
from werkzeug.wrappers import Request

from worker.devtools.sandbox import Answer, Call, RecordingSandbox, SandboxApp, SandboxState, serve_until_stopped

API_KEY = "sk-sandbox-model-key"
WORD = re.compile(r"[A-Za-z]{3,}")


class ModelSandboxState(SandboxState):
    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.verdict: dict[str, Any] | None = None

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.verdict = None


class ModelSandboxApp(SandboxApp):
    rules: ClassVar[list[Rule]] = [
        Rule("/v1/chat/completions", endpoint="completions", methods=["POST"]),
        Rule("/_sandbox/verdict", endpoint="control_verdict", methods=["POST"]),
    ]
    state: ModelSandboxState

    def on_completions(self, request: Request) -> Answer:
        body = self.json_body(request)
        call = self.state.record(Call("chat.completions", request.path, body))
        answer = self._answer(request, body)
        call.status = answer.status
        return answer

    def _answer(self, request: Request, body: Any) -> Answer:
        if request.headers.get("Authorization") != f"Bearer {self.state.api_key}":
            return Answer(401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}})
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body.get("model"):
            return Answer(
                400, {"error": {"message": "model and messages are required", "type": "invalid_request_error"}}
            )
        hang = self.state.take_fault("hang")
        if hang is not None:
            self.state.sleep(float(hang.get("seconds", 10)))
        error = self.state.take_fault("error")
        if error is not None:
            status = int(error.get("status", 500))
            return Answer(status, {"error": {"message": "The server had an error.", "type": "server_error"}})
        if self.state.take_fault("garbage") is not None:
            return self._completion(body["model"], "Sure! This looks like a lovely plan.")
        plan = str(body["messages"][-1].get("content", ""))
        with self.state.lock:
            verdict = self.state.verdict
        if verdict is None:
            valid = len(WORD.findall(plan)) >= 3
            verdict = {"valid": valid, "reason": "Reads as a plan." if valid else "Too few real words for a plan."}
        return self._completion(body["model"], json.dumps(verdict))

    @staticmethod
    def _completion(model: str, content: str) -> Answer:
        return Answer(
            200,
            {
                "id": f"chatcmpl-sandbox-{time.time_ns()}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            },
        )

    def on_control_verdict(self, request: Request) -> Answer:
        payload = self.json_body(request)
        with self.state.lock:
            self.state.verdict = payload if isinstance(payload, dict) else None
        return Answer(200, {"verdict": self.state.verdict})


class ModelSandbox(RecordingSandbox):
    name = "model-sandbox"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, api_key: str = API_KEY, verbose: bool = False
    ) -> None:
        self.model_state = ModelSandboxState(api_key)
        super().__init__(ModelSandboxApp(self.model_state), host, port, verbose=verbose)

    @property
    def base_url(self) -> str:
        """What ``OPENAI_BASE_URL`` is set to."""
        return f"{self.url}/v1"

    def set_verdict(self, verdict: dict[str, Any] | None) -> None:
        with self.model_state.lock:
            self.model_state.verdict = verdict


@click.command(name="model-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8768, show_default=True, help="0 = any free port")
@click.option("--verbose", is_flag=True, help="log each request to stderr")
def main(host: str, port: int, verbose: bool) -> None:
    """Local OpenAI-compatible chat-completions sandbox (HTTP on loopback) with hang/error switches."""
    sandbox = ModelSandbox(host, port, verbose=verbose)
    serve_until_stopped(sandbox, f"MODEL_SANDBOX_READY {sandbox.base_url} key {API_KEY}")
