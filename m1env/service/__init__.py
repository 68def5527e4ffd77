"""The scoring service: every verifier over HTTP (``m1env serve``).

``create_app(ServiceConfig(...))`` returns the ASGI app; :mod:`m1env.service.app`
lists the routes, :mod:`m1env.service.guard` what is refused before routing
(a foreign Host or Origin, auth, rate, bodies not sent as JSON, size, malformed or
over-deep JSON), :mod:`m1env.service.scoring` the
``embedded`` and ``queue`` modes and the input text policy, and
:mod:`m1env.service.compat` the SandboxFusion and OpenRLHF endpoints. The service
needs the ``service`` extra and never imports torch.
"""

from m1env.errors import BadRequest, QueueUnavailable, ScoreTimeout, ServiceError
from m1env.service.app import create_app
from m1env.service.config import MODES, ServiceConfig

__all__ = [
    "MODES",
    "BadRequest",
    "QueueUnavailable",
    "ScoreTimeout",
    "ServiceConfig",
    "ServiceError",
    "create_app",
]
