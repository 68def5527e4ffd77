"""``m1env policy serve CHECKPOINT``: serve a policy checkpoint over an OpenAI-compatible API.

Loads a checkpoint written by :func:`m1env.policy.save_pretrained` and serves
``/v1/chat/completions``, ``/v1/completions`` and ``/v1/models`` (see :mod:`m1env.policy.server`)
with uvicorn. Prints one JSON line when it is ready. Needs the ``train`` extra (torch,
starlette, uvicorn); the import happens only when the command runs, so ``m1env --help``
works without it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main", "register", "serve_command"]


def register(subparsers: Any) -> None:
    """Add the ``policy`` command group to an argparse ``subparsers`` object."""
    group = subparsers.add_parser("policy", help="the bundled hybrid-MoE policy")
    sub = group.add_subparsers(dest="policy_command", metavar="COMMAND", required=True)
    serve = sub.add_parser(
        "serve",
        help="serve a checkpoint over an OpenAI-compatible HTTP API",
        description="Serve CHECKPOINT at /v1/chat/completions, /v1/completions and /v1/models.",
    )
    serve.add_argument("checkpoint", help="checkpoint directory (config.json + model.safetensors)")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    serve.add_argument(
        "--dtype",
        choices=("float32", "bfloat16", "float16"),
        default="float32",
        help="weights dtype",
    )
    serve.add_argument(
        "--model-name", default=None, help="model id reported by the API (default: directory name)"
    )
    serve.add_argument(
        "--max-tokens-limit", type=int, default=4096, help="largest max_tokens a request may ask"
    )
    serve.add_argument("--log-level", default="warning", help="uvicorn log level")
    serve.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)"
    )
    serve.set_defaults(func=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch
    import uvicorn

    from m1env.errors import PolicyCheckpointError
    from m1env.policy.checkpoint import load_pretrained
    from m1env.policy.server import create_app

    if args.threads is not None:
        if args.threads < 1:
            print(
                json.dumps({"event": "error", "message": "--threads must be >= 1"}), file=sys.stderr
            )
            return 2
        torch.set_num_threads(args.threads)
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        model, tokenizer = load_pretrained(
            args.checkpoint, device=device, dtype=getattr(torch, args.dtype)
        )
    except PolicyCheckpointError as exc:
        print(json.dumps({"event": "error", "message": str(exc)}), file=sys.stderr)
        return 2
    name = args.model_name or Path(args.checkpoint).resolve().name
    app = create_app(model, tokenizer, model_name=name, max_tokens_limit=args.max_tokens_limit)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level)
    server = uvicorn.Server(config)
    print(
        json.dumps(
            {
                "event": "serving",
                "url": f"http://{args.host}:{args.port}/v1",
                "model": name,
                "device": device,
                "parameters": model.num_parameters(),
            }
        ),
        flush=True,
    )
    server.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry (``python -m m1env.cli.policy serve ...``), same arguments as ``m1env``."""
    parser = argparse.ArgumentParser(prog="m1env")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["policy", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
