"""Chat backends: how the judge talks to a model.

:class:`OpenAIChat` speaks the OpenAI chat-completions protocol through the one client,
:class:`m1env.llm.OpenAIClient` (retries with back-off, a deadline per call, a connection
pool and a concurrency cap), so it works with ``vllm serve``, the bundled policy server
(``m1env policy serve``) and hosted APIs; it turns the client's errors into the judge's
(``JudgeHTTPError``, ``JudgeTimeout``, ``JudgeError``), which ``Judge.score`` maps to error
Scores. :class:`CallableChat` is the in-process test double: a plain function from messages
to text. Both implement :class:`ChatBackend` and return :class:`m1env.llm.Completion`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import httpx

from m1env.errors import (
    JudgeError,
    JudgeHTTPError,
    JudgeTimeout,
    LLMError,
    LLMHTTPError,
    LLMTimeout,
)
from m1env.llm import Completion, Messages, OpenAIClient

__all__ = ["CallableChat", "ChatBackend", "Completion", "OpenAIChat"]


class ChatBackend(ABC):
    """Turns chat messages into the assistant's reply text."""

    model: str = "unknown"

    @abstractmethod
    async def complete(
        self,
        messages: Messages,
        *,
        temperature: float = 0.0,
        max_tokens: int = 512,
        timeout: float | None = None,
    ) -> Completion:
        """The reply; ``timeout`` (seconds, None: the backend's own) bounds the whole call."""


class CallableChat(ChatBackend):
    """A backend backed by a Python function (tests, simulations, offline judges)."""

    def __init__(self, fn: Callable[[Messages], str], model: str = "callable") -> None:
        self.fn = fn
        self.model = model

    async def complete(
        self,
        messages: Messages,
        *,
        temperature: float = 0.0,
        max_tokens: int = 512,
        timeout: float | None = None,
    ) -> Completion:
        start = time.perf_counter()
        text = self.fn(messages)
        return Completion(text=text, finish_reason="stop", latency_s=time.perf_counter() - start)


class OpenAIChat(ChatBackend):
    """``POST {base_url}/chat/completions`` through :class:`~m1env.llm.OpenAIClient`.

    ``base_url`` includes the version prefix, e.g. ``http://127.0.0.1:8000/v1``. ``timeout``
    bounds a whole call, its retries and back-off included.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_concurrency: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client = OpenAIClient(
            base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_concurrency=max_concurrency,
            async_transport=transport,
        )
        self.model = model

    @property
    def base_url(self) -> str:
        return self.client.base_url

    async def aclose(self) -> None:
        """Close this loop's connection pool."""
        await self.client.aclose()

    async def complete(
        self,
        messages: Messages,
        *,
        temperature: float = 0.0,
        max_tokens: int = 512,
        timeout: float | None = None,
    ) -> Completion:
        try:
            return await self.client.achat(
                messages,
                model=self.model,
                temperature=temperature,
                max_tokens=max_tokens,
                timeout=timeout,  # the whole call's, retries included (None: the client's)
            )
        except LLMHTTPError as exc:
            raise JudgeHTTPError(exc.status, exc.body) from exc
        except LLMTimeout as exc:
            raise JudgeTimeout(f"the judge at {exc}") from exc
        except LLMError as exc:
            raise JudgeError(f"the judge failed: {exc}") from exc
