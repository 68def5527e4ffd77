"""``m1env grm``: the generative reward model's tools.

``m1env grm simulate`` runs the length-hacking scenario of :mod:`m1env.grm.simulate` over
real HTTP: a policy whose responses grow longer while quality stays flat, scored by
a length-biased judge. It prints the window at which the monitor raised the alarm,
the within-group reward-length correlation before and after recalibration, writes the
readings as JSON lines and a PNG of reward, length and anchored accuracy over time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("grm", help="generative reward model tools", description=__doc__)
    sub = parser.add_subparsers(dest="grm_command", metavar="COMMAND", required=True)
    sim = sub.add_parser(
        "simulate",
        help="length-bias scenario: alarm and recalibration",
        description="Simulate a length-hacking policy against a length-biased judge over HTTP.",
    )
    sim.add_argument("--steps", type=int, default=30, help="training steps (one window each)")
    sim.add_argument("--prompts", type=int, default=8, help="prompts per step")
    sim.add_argument("--group-size", type=int, default=8, help="samples per prompt")
    sim.add_argument("--growth", type=float, default=0.12, help="length growth per step")
    sim.add_argument("--length-bonus", type=float, default=0.8, help="judge points per doubling")
    sim.add_argument(
        "--remedy", default="length_debias", help="length_debias | reanchor | switch_template"
    )
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--out", default="runs/grm-simulate", help="output folder")
    sim.add_argument(
        "--db",
        default=None,
        help="database URL for readings, alarms and judge calls (default: OUT/m1env.db)",
    )
    sim.add_argument("--run-id", default="grm-simulate", help="run id of the stored readings")
    sim.set_defaults(func=simulate)


def simulate(args: argparse.Namespace) -> int:
    from m1env.grm.simulate import SimulationConfig, Sinks, plot, simulate_over_http
    from m1env.grm_sinks import judge_call_sink, reading_sink, recalibration_sink
    from m1env.store import EpisodeStore

    try:
        config = SimulationConfig(
            steps=args.steps,
            prompts_per_step=args.prompts,
            group_size=args.group_size,
            growth_per_step=args.growth,
            length_bonus=args.length_bonus,
            remedy=args.remedy,
            seed=args.seed,
        )
    except ValueError as exc:
        raise SystemExit(f"m1env grm simulate: {exc}") from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = EpisodeStore(args.db or f"sqlite:///{(out / 'm1env.db').resolve()}")
    sinks = Sinks(
        readings=[reading_sink(store, args.run_id)],
        recalibrations=[recalibration_sink(store, args.run_id)],
        judge_calls=judge_call_sink(store),
    )
    result = simulate_over_http(config, sinks)
    alarms_stored = len(store.readings(run_id=args.run_id, alarms_only=True))
    with open(out / "readings.jsonl", "w", encoding="utf-8") as handle:
        for reading in result.readings:
            handle.write(json.dumps(reading.to_dict()) + "\n")
    summary = result.summary()
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    plot(result, str(out / "grm_monitor.png"))

    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:+.3f}"

    print(f"{'window':>6}  {'reward':>7}  {'length':>7}  {'anchor acc':>10}  {'corr':>6}  alarms")
    for r in result.readings:
        acc = "n/a" if r.anchor_accuracy is None else f"{r.anchor_accuracy:.3f}"
        print(
            f"{r.window:>6}  {r.mean_reward:7.3f}  {r.mean_length:7.0f}  {acc:>10}  "
            f"{fmt(r.length_corr):>6}  {','.join(r.alarms)}"
        )
    if result.alarm_window is None:
        print("no alarm was raised")
        return 1
    print(f"\nalarm raised at window {result.alarm_window}: {', '.join(summary['alarms'])}")
    print(f"remedy: {summary['remedy']} {summary['params']}")
    print(
        f"within-group corr(reward, length): before {fmt(result.corr_before)}, "
        f"after recalibration {fmt(result.corr_after)}"
    )
    print(f"stored readings, {alarms_stored} alarm rows and the judge calls in {store!r}")
    print(f"wrote {out / 'readings.jsonl'}, {out / 'summary.json'}, {out / 'grm_monitor.png'}")
    return 0
