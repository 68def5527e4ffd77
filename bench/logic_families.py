"""Logic families: items generated and verified per second, at one difficulty.

For each installed family (``logic/*`` verifier entry points) it times, on fresh items
``(seed, index)``:

* ``gen ms``: ``generate_problem`` (the puzzle, its uniqueness proof, the prompt);
* ``check ms``: the family's checker on the reference answer (what a worker runs);
* ``items/s``: generated + verified, end to end in one process;
* ``pool/s``: the same answers through ``Verifier.verify`` -- the killable worker pool,
  with its IPC -- from one caller;
* the peer: reasoning-gym 0.1.25's matching dataset (its own default difficulty, not
  ours), ``ds[i]`` plus ``ds.score_answer``, measured in the same run; ``ratio`` is
  ours over theirs. Skipped when reasoning-gym is not installed.

    python bench/logic_families.py [--difficulty 5] [--seconds 1.0] [--no-peer]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from m1env.envs.logic.base import LogicVerifier, generate_problem, load_family
from m1env.envs.logic.mixture import discover_families
from m1env.verifiers.extract import last_tag

PEERS = {
    "sudoku": "sudoku",
    "futoshiki": "futoshiki",
    "knights_knaves": "knights_knaves",
    "zebra": "zebra_puzzles",
    "maze": "maze",
    "sequence": "number_sequence",
    "date_arith": "calendar_arithmetic",
    "hanoi": "tower_of_hanoi",
}


def _rate(work: Callable[[int], None], seconds: float, min_items: int = 5) -> float:
    """Items per second of ``work(i)`` for i = 0, 1, ... over about ``seconds``."""
    start, done = time.perf_counter(), 0
    while done < min_items or time.perf_counter() - start < seconds:
        work(done)
        done += 1
    return done / (time.perf_counter() - start)


def measure(family: str, difficulty: int, seconds: float) -> dict[str, float]:
    fam = load_family(family)
    made = []

    def gen(i: int) -> None:
        made.append(generate_problem(family, 1, i, difficulty))

    gen_rate = _rate(gen, seconds)
    answers = [(last_tag(p.solution or "") or "", p.answer) for p in made]

    def check(i: int) -> None:
        text, ref = answers[i % len(answers)]
        if not fam.check(text, ref).is_correct:
            raise RuntimeError(f"{family}: reference answer scored incorrect")

    check_rate = _rate(check, seconds / 2)
    verifier = LogicVerifier(family)
    verifier.verify(made[0].solution, made[0].answer)  # start the pool outside the timing

    def pooled(i: int) -> None:
        p = made[i % len(made)]
        if not verifier.verify(p.solution, p.answer).is_correct:
            raise RuntimeError(f"{family}: reference scored incorrect through the pool")

    pool_rate = _rate(pooled, seconds / 2)
    both = 1.0 / (1.0 / gen_rate + 1.0 / check_rate)
    return {
        "gen_ms": 1000 / gen_rate,
        "check_ms": 1000 / check_rate,
        "items": both,
        "pool": pool_rate,
    }


def measure_peer(name: str, seconds: float) -> float | None:
    try:
        import reasoning_gym
    except ImportError:
        return None
    ds = reasoning_gym.create_dataset(name, seed=1, size=100_000)

    def work(i: int) -> None:
        # Timing only: some reasoning-gym items raise while generating (its maze gives up
        # after 1000 retries) or score their own answer below 1; both still cost time.
        try:
            item = ds[i]
            ds.score_answer(item["answer"], item)
        except Exception:
            pass

    return _rate(work, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--difficulty", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--no-peer", action="store_true", help="skip reasoning-gym")
    parser.add_argument("families", nargs="*", help="default: every installed family")
    args = parser.parse_args(argv)
    names = args.families or discover_families()
    header = f"{'family':<16}{'gen ms':>9}{'check ms':>10}{'items/s':>9}{'pool/s':>8}  {'reasoning-gym peer':<22}{'items/s':>9}{'ratio':>7}"
    print(
        f"difficulty {args.difficulty}, ~{args.seconds:g}s per measurement, python {sys.version.split()[0]}"
    )
    print(header)
    print("-" * len(header))
    for family in names:
        try:
            row = measure(family, args.difficulty, args.seconds)
        except Exception as exc:  # report the family's failure and go on with the rest
            print(f"{family:<16}FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        peer = PEERS.get(family)
        peer_rate = None if args.no_peer or peer is None else measure_peer(peer, args.seconds)
        peer_cols = (
            f"{peer:<22}{peer_rate:>9.0f}{row['items'] / peer_rate:>7.2f}"
            if peer and peer_rate
            else f"{'-':<22}{'-':>9}{'-':>7}"
        )
        print(
            f"{family:<16}{row['gen_ms']:>9.2f}{row['check_ms']:>10.3f}{row['items']:>9.0f}"
            f"{row['pool']:>8.0f}  {peer_cols}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
