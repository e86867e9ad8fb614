"""Local OpenAI-compatible chat-completions sandbox (development only); see ``server``."""

from worker.devtools.model_sandbox.server import API_KEY, ModelSandbox

__all__ = ["API_KEY", "ModelSandbox"]
