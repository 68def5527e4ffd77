"""The ASGI app: ``create_app(config) -> FastAPI``.

Routes (all JSON; errors are ``{"detail": message}`` with a 4xx status):

====================  ==========================================================
``POST /v1/score``        one item -> its Score
``POST /v1/score/batch``  ``{"items": [...]}`` -> ``{"results": [...]}``, scored
                          concurrently, in request order
``GET /v1/verifiers``     the registered verifiers and the queue each goes to
``POST /v1/jobs``         submit asynchronously (202 if new, 200 if the
                          ``idempotency_key`` already names the same job; 409 if it
                          names a different one)
``GET /v1/jobs/{id}``     state, attempts and, once finished, the Score
``GET /healthz``          mode; in queue mode broker and database: 503 when either is
                          unreachable (open without an API key)
``GET /metrics``          Prometheus text format (open)
``GET /openapi.json``     the OpenAPI schema (open)
``POST /run_code``        SandboxFusion-compatible (see :mod:`m1env.service.compat`)
``POST /get_reward``      OpenRLHF remote-reward-compatible
====================  ==========================================================

A 500 means a bug: every refusal of bad input is a 4xx that says what is wrong
(see :mod:`m1env.service.guard` for what is refused before routing).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from m1env.errors import BadRequest, ScoreTimeout, StoreError
from m1env.grm_sinks import grm_gauges
from m1env.service.config import ServiceConfig
from m1env.service.guard import Guard
from m1env.service.metrics import CONTENT_TYPE, Metrics, MetricsMiddleware
from m1env.service.schemas import (
    ERRORS,
    BatchRequest,
    BatchResponse,
    JobOut,
    JobRequest,
    SafeJSONResponse,
    ScoreOut,
    ScoreRequest,
    VerifierInfo,
)
from m1env.service.scoring import Item, ServiceScorer, prepare
from m1env.store import JobRecord
from m1env.verifiers import Score, get_verifier, verifier_names

__all__ = ["Service", "create_app"]

log = logging.getLogger(__name__)


class Service:
    """What the routes share: the config, the metrics and the (lazily made) scorer."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.metrics = Metrics()
        self._scorer: ServiceScorer | None = None
        self.metrics.add_gauges(lambda: grm_gauges(self.scorer.store))

    @property
    def scorer(self) -> ServiceScorer:
        if self._scorer is None:
            self._scorer = ServiceScorer(self.config)
        return self._scorer

    def count(self, item: Item | str, score: Score) -> None:
        name = item if isinstance(item, str) else item.name
        self.metrics.scores.labels(name, score.status).inc()
        if "backend" in score.details:  # a code or SWE score: what isolated it
            self.metrics.sandbox_runs.labels(name, score.details["backend"] or "none").inc()

    async def score(self, items: list[Item]) -> list[Score]:
        scores = await self.scorer.score(items)
        for item, score in zip(items, scores, strict=True):
            self.count(item, score)
        return scores


def _job_out(record: JobRecord, score: Score | None, created: bool | None = None) -> JobOut:
    return JobOut(
        id=record.id,
        idempotency_key=record.idempotency_key,
        verifier=record.verifier,
        state=record.state,  # type: ignore[arg-type]
        attempts=record.attempts,
        last_error=record.last_error,
        created=created,
        score=ScoreOut(**score.to_dict()) if score is not None else None,
    )


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    for err in exc.errors()[:20]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        errors.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "")})
    first = errors[0] if errors else {"loc": "body", "msg": "invalid request"}
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{first['loc']}: {first['msg']}{more}", errors


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The scoring service for ``config`` (default: :meth:`ServiceConfig.from_env`)."""
    config = config or ServiceConfig.from_env()
    service = Service(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.scorer.start()
        try:
            yield
        finally:
            scorer, service._scorer = service._scorer, None
            if scorer is not None:
                await scorer.close()

    app = FastAPI(
        title="m1env scoring service",
        version="1",
        description="Rule-based verifiers over HTTP; see the m1env.service docs.",
        default_response_class=SafeJSONResponse,
        lifespan=lifespan,
    )
    app.state.service = service

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> Response:
        service.metrics.reject("invalid")
        return SafeJSONResponse({"detail": exc.message}, exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        service.metrics.reject("invalid")
        message, errors = _validation_message(exc)
        return SafeJSONResponse({"detail": message, "errors": errors}, 422)

    @app.exception_handler(ScoreTimeout)
    async def _timeout(request: Request, exc: ScoreTimeout) -> Response:
        hint = f"; poll GET /v1/jobs/{exc.job_id}" if exc.job_id is not None else ""
        return SafeJSONResponse({"detail": f"{exc}{hint}", "job_id": exc.job_id}, 504)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> Response:
        log.warning("store error: %s", exc)
        return SafeJSONResponse({"detail": f"the job store is unavailable: {exc}"}, 503)

    @app.get("/healthz", tags=["ops"], responses=ERRORS)
    async def healthz(response: Response) -> dict[str, Any]:
        # healthy() may wait on the broker and the database; never on the event loop.
        ok, report = await asyncio.to_thread(service.scorer.healthy)
        if not ok:
            # The status is what probes read (Docker's, Kubernetes', a load balancer's).
            response.status_code = 503
        return {"status": "ok" if ok else "unavailable", **report}

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/v1/verifiers", tags=["scoring"], responses=ERRORS)
    async def verifiers() -> list[VerifierInfo]:
        from m1env.queue.routing import queue_for

        out = []
        for name in verifier_names():
            try:
                v = get_verifier(name)
            except Exception as exc:  # a broken plugin must not hide the others
                log.warning("verifier %r failed to load: %s", name, exc)
                continue
            out.append(
                VerifierInfo(
                    name=name,
                    description=v.description,
                    isolated=v.isolate,
                    timeout=float(v.timeout),
                    queue=queue_for(name),
                )
            )
        return out

    def _item(req: ScoreRequest, key: str | None = None) -> Item:
        return prepare(req.verifier, req.response, req.reference, req.options, key)

    @app.post("/v1/score", tags=["scoring"], responses=ERRORS)
    async def score(req: ScoreRequest) -> ScoreOut:
        (result,) = await service.score([_item(req)])
        return ScoreOut(**result.to_dict())

    @app.post("/v1/score/batch", tags=["scoring"], responses=ERRORS)
    async def score_batch(req: BatchRequest) -> BatchResponse:
        if len(req.items) > config.max_batch:
            raise BadRequest(
                f"batch of {len(req.items)} items exceeds the limit of {config.max_batch}", 413
            )
        items = []
        for i, one in enumerate(req.items):
            try:
                items.append(_item(one))
            except BadRequest as exc:
                raise BadRequest(f"items[{i}]: {exc.message}", exc.status) from None
        results = await service.score(items)
        return BatchResponse(results=[ScoreOut(**s.to_dict()) for s in results])

    @app.post("/v1/jobs", tags=["jobs"], responses=ERRORS, status_code=202)
    async def submit_job(req: JobRequest, response: Response) -> JobOut:
        item = _item(req, req.idempotency_key)
        try:
            record, created = await service.scorer.submit(item)
        except StoreError as exc:
            if req.idempotency_key and "idempotency key" in str(exc):
                raise BadRequest(str(exc), 409) from None
            raise
        if not created:
            response.status_code = 200
        found = await service.scorer.job(record.id)
        if found is not None:
            record, existing = found
            return _job_out(record, existing, created)
        return _job_out(record, None, created)

    @app.get("/v1/jobs/{job_id}", tags=["jobs"], responses=ERRORS)
    async def get_job(job_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> JobOut:
        found = await service.scorer.job(job_id)
        if found is None:
            raise BadRequest(f"no job with id {job_id}", 404)
        return _job_out(*found)

    from m1env.service.compat import add_compat_routes

    add_compat_routes(app, service)
    app.add_middleware(Guard, config=config, on_reject=service.metrics.reject)
    app.add_middleware(MetricsMiddleware, metrics=service.metrics)
    return app
