"""The ``judge`` verifier: the generative reward model behind the Verifier contract,
so it is reachable through the queue and the scoring service like any other.

``reference`` is either the reference answer (a string) or an object with
``question`` and optionally ``reference`` and ``rubric``; ``options`` may carry
``question`` and ``rubric`` too. The judge is configured from ``M1ENV_JUDGE_URL``,
``M1ENV_JUDGE_MODEL``, ``M1ENV_JUDGE_API_KEY`` and ``M1ENV_JUDGE_TEMPLATE``.
"""

from __future__ import annotations

from typing import Any

from m1env.grm.judge import Judge, JudgeConfig
from m1env.verifiers import Score, Verifier

__all__ = ["JudgeVerifier"]


class JudgeVerifier(Verifier):
    name = "judge"
    description = "LLM judge over an OpenAI-compatible server (M1ENV_JUDGE_URL)"
    isolate = False  # network I/O with its own timeouts and retries; nothing to kill
    timeout = 120.0

    def __init__(self, **config: Any) -> None:
        self.config = config
        self._judge: Judge | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "_judge": None}

    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = Judge(JudgeConfig.from_env(**self.config))
        return self._judge

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = set(options) - {"question", "rubric"}
        if unknown:
            raise ValueError(f"judge verifier: unknown options {sorted(unknown)}")
        return options

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        if isinstance(reference, dict):
            question = reference.get("question", options.get("question"))
            answer = reference.get("reference")
            rubric = reference.get("rubric", options.get("rubric"))
        else:
            question, answer, rubric = options.get("question"), reference, options.get("rubric")
        if not isinstance(question, str) or not question:
            return Score.error("the judge needs the question (reference.question or options)")
        if answer is not None and not isinstance(answer, str):
            answer = str(answer)
        try:
            judge = self.judge()
        except ValueError as exc:
            return Score.error(f"judge is not configured: {exc}")
        return judge.score(question, response, reference=answer, rubric=rubric)
