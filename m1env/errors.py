"""Every exception m1env raises on purpose, in one hierarchy under :class:`M1EnvError`.

Names are unique across the subsystems (one ``SandboxConfigError``, one ``TrainerConfigError``,
never two ``ConfigError``), and this module imports nothing of ours, so every tier -- the
sandbox at the bottom as much as the CLI at the top -- raises from here::

    M1EnvError
    ├── RegistryError
    │   ├── UnknownEnvironmentError         (also LookupError)
    │   └── DuplicateEnvironmentError
    ├── TaskError                           (also ValueError: a malformed Task or dataset row)
    ├── EnvCheckError                       (also AssertionError: m1env.check_env failed)
    ├── StoreError                          (the episode store could not read or write)
    ├── UnknownDataSource                   (also LookupError: adapters' data_source routing)
    ├── SandboxError                        (m1env.sandbox)
    │   ├── SandboxConfigError              (also ValueError: bad limits, request, setting)
    │   │   ├── UnsafePathError             (a file name escapes the work dir)
    │   │   └── UnknownLanguageError        (language not in the registry)
    │   ├── BackendUnavailableError         (backend cannot start on this machine)
    │   │   ├── UnknownBackendError         (no backend of that name)
    │   │   └── IsolationUnavailableError   (nothing here isolates; unisolated not allowed)
    │   ├── SandboxBusyError                (the wait for a job slot timed out)
    │   ├── SandboxInternalError            (the sandbox itself failed mid-run)
    │   └── EnvironmentBuildError           (a task's venv or image could not be built)
    ├── VerifierError                       (m1env.verifiers)
    │   ├── UnknownVerifierError            (also LookupError)
    │   ├── DuplicateVerifierError
    │   ├── VerifierConfigError             (also ValueError: options a verifier refuses)
    │   ├── WorkerError                     (the killable worker gave no result)
    │   │   ├── TimeLimitExceeded           (also TimeoutError; the worker was killed)
    │   │   ├── WorkerCrashed
    │   │   └── RemoteError                 (raised inside the worker; keeps type and traceback)
    │   ├── MathError                       (also ValueError: the math verifier's internal errors)
    │   │   ├── BadReference
    │   │   ├── ParseError
    │   │   │   └── TooComplex              (refused on its structure before evaluation)
    │   │   └── TooLarge                    (a number beyond the size caps)
    │   ├── CodeVerifierError
    │   │   ├── ReferenceFormatError        (also ValueError)
    │   │   └── CodeConfigError             (also ValueError)
    │   └── SWEError
    │       ├── InstanceFormatError         (also ValueError)
    │       └── PatchError
    ├── SWEEnvError                         (m1env.envs.swe)
    │   ├── WorkspaceError                  (git or the file system failed)
    │   ├── WorkspacePathError              (also ValueError: a path outside the workspace)
    │   └── ToolCallError                   (also ValueError: shown to the agent)
    ├── GRMError                            (m1env.grm)
    │   ├── JudgeError                      (the judge could not produce a verdict)
    │   │   ├── JudgeHTTPError              (non-2xx after retries; keeps status and body)
    │   │   ├── JudgeTimeout                (also TimeoutError)
    │   │   └── VerdictParseError           (also ValueError; keeps the raw text)
    │   └── TemplateError                   (also ValueError: unknown template or missing field)
    ├── PolicyError                         (m1env.policy)
    │   ├── PolicyConfigError               (also ValueError)
    │   ├── ShapeError                      (also ValueError: wrong shape, dtype or device)
    │   ├── TokenizerError                  (also ValueError)
    │   ├── PolicyCheckpointError           (missing, unreadable, or not matching its config)
    │   ├── ConversionError                 (a Hugging Face model cannot be converted)
    │   └── GenerationError                 (a generation request cannot be served)
    │       └── GenerationRequestError      (the policy server refuses a request; has .param)
    ├── TrainerError                        (m1env.trainer)
    │   ├── TrainerConfigError              (also ValueError; the message names the field)
    │   ├── RolloutError                    (rollouts could not be produced or scored)
    │   └── TrainerCheckpointError          (a checkpoint cannot be written or read back)
    ├── ServiceError                        (m1env.service and m1env.queue)
    │   ├── BadRequest                      (HTTP 4xx we answer; has .status)
    │   ├── QueueUnavailable                (the broker could not take a job; it stays in SQL)
    │   └── ScoreTimeout                    (also TimeoutError: a synchronous wait ran out)
    ├── ClientError                         (m1env.client: the service refused; .status, .detail)
    ├── ServiceUnavailable                  (m1env.client: unreachable through every retry)
    └── LLMError                            (m1env.llm: an OpenAI-compatible server failed a call)
        ├── LLMConnectionError              (unreachable through every retry)
        ├── LLMHTTPError                    (non-2xx after retries; keeps status and body)
        ├── LLMTimeout                      (also TimeoutError: the call's deadline passed)
        └── LLMResponseError                (also ValueError: a 2xx that is not an OpenAI answer)

What a sandboxed program does (crash, time out, exhaust memory) is never an exception: it is a
verdict in :class:`m1env.sandbox.ExecResult`. ``Judge.score`` and every verifier turn their
failures into ``Score(status="error")``; these exceptions come from the lower-level calls.
The judge and the rollout engine both talk through :mod:`m1env.llm`; each turns an
``LLMError`` into its own (``JudgeError``..., ``RolloutError``), chained, so callers catch
what they always caught.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "BadReference",
    "BadRequest",
    "ClientError",
    "CodeConfigError",
    "CodeVerifierError",
    "ConversionError",
    "DuplicateEnvironmentError",
    "DuplicateVerifierError",
    "EnvCheckError",
    "EnvironmentBuildError",
    "GRMError",
    "GenerationError",
    "GenerationRequestError",
    "InstanceFormatError",
    "IsolationUnavailableError",
    "JudgeError",
    "JudgeHTTPError",
    "JudgeTimeout",
    "LLMConnectionError",
    "LLMError",
    "LLMHTTPError",
    "LLMResponseError",
    "LLMTimeout",
    "M1EnvError",
    "MathError",
    "ParseError",
    "PatchError",
    "PolicyCheckpointError",
    "PolicyConfigError",
    "PolicyError",
    "QueueUnavailable",
    "ReferenceFormatError",
    "RegistryError",
    "RemoteError",
    "RolloutError",
    "SWEEnvError",
    "SWEError",
    "SandboxBusyError",
    "SandboxConfigError",
    "SandboxError",
    "SandboxInternalError",
    "ScoreTimeout",
    "ServiceError",
    "ServiceUnavailable",
    "ShapeError",
    "StoreError",
    "TaskError",
    "TemplateError",
    "TimeLimitExceeded",
    "TokenizerError",
    "TooComplex",
    "TooLarge",
    "ToolCallError",
    "TrainerCheckpointError",
    "TrainerConfigError",
    "TrainerError",
    "UnknownBackendError",
    "UnknownDataSource",
    "UnknownEnvironmentError",
    "UnknownLanguageError",
    "UnknownVerifierError",
    "UnsafePathError",
    "VerdictParseError",
    "VerifierConfigError",
    "VerifierError",
    "WorkerCrashed",
    "WorkerError",
    "WorkspaceError",
    "WorkspacePathError",
]


class M1EnvError(Exception):
    """Base class of every exception m1env raises on purpose."""


# -- core, catalogue, store ----------------------------------------------------------------


class RegistryError(M1EnvError):
    """An environment could not be registered or found."""


class UnknownEnvironmentError(RegistryError, LookupError):
    """No environment is registered under the requested id."""


class DuplicateEnvironmentError(RegistryError):
    """Two different specs claim one environment id."""


class TaskError(M1EnvError, ValueError):
    """A Task, or a dataset row meant to become one, is malformed."""


class EnvCheckError(M1EnvError, AssertionError):
    """An environment failed :func:`m1env.check_env`."""


class StoreError(M1EnvError):
    """The episode store could not complete an operation."""


class UnknownDataSource(M1EnvError, LookupError):
    """No table row and no verifier matches the data source."""


# -- sandbox --------------------------------------------------------------------------------


class SandboxError(M1EnvError):
    """Root of the sandbox's exceptions."""


class SandboxConfigError(SandboxError, ValueError):
    """A request, limit or setting is invalid; nothing was run."""


class UnsafePathError(SandboxConfigError):
    """A file name is absolute, contains ``..`` or otherwise leaves the work dir."""


class UnknownLanguageError(SandboxConfigError):
    """The language is not registered (see :func:`m1env.sandbox.languages`)."""


class BackendUnavailableError(SandboxError):
    """The backend cannot run on this machine (missing tool, daemon, permission)."""


class UnknownBackendError(BackendUnavailableError):
    """No backend is registered under that name."""


class IsolationUnavailableError(BackendUnavailableError):
    """No backend that isolates can run here, and running unisolated was not allowed
    (the message names the fix: install bubblewrap or start Docker). Nothing was run."""


class SandboxBusyError(SandboxError):
    """Waiting for a free job slot took longer than the caller allowed."""


class SandboxInternalError(SandboxError):
    """The sandbox machinery failed (not the program inside it)."""


class EnvironmentBuildError(SandboxError):
    """A task's venv or image could not be built (pip or docker failed)."""


# -- verifiers ------------------------------------------------------------------------------


class VerifierError(M1EnvError):
    """Root of the verifiers' exceptions."""


class UnknownVerifierError(VerifierError, LookupError):
    """No verifier is registered under the requested name."""


class DuplicateVerifierError(VerifierError):
    """Two different objects were registered under one verifier name."""


class VerifierConfigError(VerifierError, ValueError):
    """A verifier was given options it does not accept."""


class WorkerError(VerifierError):
    """The isolated worker could not produce a result."""


class TimeLimitExceeded(WorkerError, TimeoutError):
    """The call ran past its time limit and its worker process was killed."""


class WorkerCrashed(WorkerError):
    """The worker process died (signal, memory limit, interpreter crash) mid-call."""


class RemoteError(WorkerError):
    """The function raised inside the worker; the original type and traceback are kept."""

    def __init__(self, exc_type: str, message: str, traceback: str = "") -> None:
        super().__init__(f"{exc_type}: {message}")
        self.exc_type = exc_type
        self.message = message
        self.traceback = traceback


class MathError(VerifierError, ValueError):
    """Base class of the math verifier's internal errors."""


class BadReference(MathError):
    """The reference is empty, of the wrong type, beyond the size caps or unreadable."""


class ParseError(MathError):
    """The text could not be parsed as a mathematical answer."""


class TooComplex(ParseError):
    """The text was refused on its structure before evaluation."""


class TooLarge(MathError):
    """Evaluating the expression would create a number beyond the size caps."""


class CodeVerifierError(VerifierError):
    """Base class of the exceptions raised by :mod:`m1env.verifiers.code`."""


class ReferenceFormatError(CodeVerifierError, ValueError):
    """A reference (test cases, checker, limits) is not in a supported format."""


class CodeConfigError(CodeVerifierError, ValueError):
    """The code verifier was given options it does not accept."""


class SWEError(VerifierError):
    """Base class of the exceptions raised by :mod:`m1env.verifiers.swe`."""


class InstanceFormatError(SWEError, ValueError):
    """An instance, prediction or task file is malformed."""


class PatchError(SWEError):
    """A patch is malformed, unsafe or does not apply."""


# -- the SWE environment --------------------------------------------------------------------


class SWEEnvError(M1EnvError):
    """Base class of the SWE environment's exceptions (:mod:`m1env.envs.swe`)."""


class WorkspaceError(SWEEnvError):
    """The workspace machinery failed (git, the file system)."""


class WorkspacePathError(SWEEnvError, ValueError):
    """A tool named a path outside the workspace, or one that cannot be used."""


class ToolCallError(SWEEnvError, ValueError):
    """A malformed action or tool call; the message is shown to the agent."""


# -- generative reward model ----------------------------------------------------------------


class GRMError(M1EnvError):
    """Root of the generative reward model's exceptions."""


class JudgeError(GRMError):
    """The judge model could not produce a verdict."""


class JudgeHTTPError(JudgeError):
    """The judge server answered non-2xx after retries; keeps ``status`` and ``body``."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"judge server answered HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


class JudgeTimeout(JudgeError, TimeoutError):
    """The judge server did not answer within the timeout (after retries)."""


class VerdictParseError(JudgeError, ValueError):
    """The judge's text holds no verdict; ``raw`` keeps it."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.raw = raw


class TemplateError(GRMError, ValueError):
    """A prompt template is unknown or was rendered without a required field."""


# -- policy ---------------------------------------------------------------------------------


class PolicyError(M1EnvError):
    """Root of the bundled policy's exceptions."""


class PolicyConfigError(PolicyError, ValueError):
    """A policy configuration field or function argument is invalid."""


class ShapeError(PolicyError, ValueError):
    """A tensor argument has the wrong shape, dtype or device."""


class TokenizerError(PolicyError, ValueError):
    """Text or token ids that the tokenizer cannot handle."""


class PolicyCheckpointError(PolicyError):
    """A policy checkpoint is missing, unreadable, or does not match its config."""


class ConversionError(PolicyError):
    """A Hugging Face model cannot be converted into a policy model."""


class GenerationError(PolicyError):
    """A generation request cannot be served."""


class GenerationRequestError(GenerationError):
    """The policy server refuses a request; ``param`` names the offending field."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


# -- trainer --------------------------------------------------------------------------------


class TrainerError(M1EnvError):
    """Root of the trainer's exceptions."""


class TrainerConfigError(TrainerError, ValueError):
    """A trainer configuration value is invalid; the message names the field."""


class RolloutError(TrainerError):
    """Rollouts could not be produced or scored."""


class TrainerCheckpointError(TrainerError):
    """A training checkpoint cannot be written or read back."""


# -- service, queue, client -----------------------------------------------------------------


class ServiceError(M1EnvError):
    """Root of the scoring service's and queue's exceptions."""


class BadRequest(ServiceError):
    """The request is refused with ``status`` (4xx) and a message saying why."""

    def __init__(self, message: str, status: int = 400, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers or {}


class QueueUnavailable(ServiceError):
    """The Celery broker refused or could not be reached."""


class ScoreTimeout(ServiceError, TimeoutError):
    """A synchronous score waited past its limit; the job goes on and can be polled."""

    def __init__(self, message: str, job_id: int | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id


class ClientError(M1EnvError):
    """The service refused the request (a 4xx other than 429); ``.status``, ``.detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status, self.detail = status, detail


class ServiceUnavailable(M1EnvError):
    """The service could not be reached or stayed overloaded through every retry."""


# -- the OpenAI-compatible client (m1env.llm) -----------------------------------------------


class LLMError(M1EnvError):
    """An OpenAI-compatible server did not give a usable answer to one call."""


class LLMConnectionError(LLMError):
    """The server could not be reached (refused, reset, DNS) through every retry."""


class LLMHTTPError(LLMError):
    """The server answered non-2xx (after retries when retryable); keeps ``status`` and ``body``."""

    def __init__(self, status: int, body: str, url: str = "") -> None:
        where = f"{url} answered" if url else "answered"
        super().__init__(f"{where} HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body
        self.url = url


class LLMTimeout(LLMError, TimeoutError):
    """The call's deadline (its timeout, retries and back-off included) passed."""


class LLMResponseError(LLMError, ValueError):
    """A 2xx answer that is not the OpenAI object asked for; the message quotes its start."""
