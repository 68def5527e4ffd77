"""Custom checkers for problems with many valid answers (testlib's protocol, simplified).

A checker is a trusted program that comes with the problem (``checker`` in the
reference). It runs in its own sandbox -- the contestant's output is adversarial
input to it -- with three files in its working directory:

``input.txt``   the test's input
``output.txt``  the contestant's output
``answer.txt``  the reference output of the test (may be empty)

Exit status 0 accepts, 1 or 2 rejects (wrong answer / presentation error); anything
else, a crash by signal, a time-out or a sandbox failure is a *checker failure*,
reported as status ``error`` (the problem is broken, not the answer). Its stdout and
stderr become the test's note. A Python checker should therefore validate the
contestant's output defensively and ``sys.exit(1)`` on anything malformed (an
uncaught exception also exits 1, i.e. rejects).

The checker is compiled once per problem and runs after the contestant's program
finished, in a separate sandbox: the contestant never sees ``answer.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass

from m1env import sandbox
from m1env.sandbox import ExecRequest, Limits, Program, SandboxError
from m1env.verifiers.code.extract import canonical_language
from m1env.verifiers.code.formats import CheckerSpec

__all__ = ["CHECKER_LIMITS", "Checker"]

CHECKER_LIMITS = Limits(cpu_s=10.0, wall_s=20.0, memory_mb=512, output_bytes=64 * 1024)


@dataclass
class Checker:
    program: Program | None
    error: str = ""

    @classmethod
    def build(cls, spec: CheckerSpec, backend: str | None = None) -> Checker:
        """Compile the checker once; ``error`` says why it cannot be used."""
        try:
            language = canonical_language(spec.language)
            program = sandbox.prepare(
                ExecRequest(language=language, source=spec.source, limits=CHECKER_LIMITS), backend
            )
        except (ValueError, SandboxError) as exc:
            return cls(None, f"checker unusable: {exc}")
        if not program.compiled:
            assert program.compile_result is not None
            return cls(None, f"checker does not compile: {program.compile_result.stderr[-500:]}")
        return cls(program)

    def judge(self, test_input: str, output: str, answer: str) -> tuple[bool, str, bool]:
        """``(accepted, note, checker_failed)`` for one test."""
        assert self.program is not None
        prog = self.program
        files = {
            **prog.files,
            "input.txt": test_input.encode(),
            "output.txt": output.encode("utf-8", "surrogateescape"),
            "answer.txt": answer.encode(),
        }
        run = Program(prog.backend, prog.request, prog.argv, files, None).run(stdin=b"")
        note = (run.stdout + run.stderr).strip()[-300:]
        if run.verdict == "ok":
            return True, note, False
        if run.verdict == "runtime_error" and run.exit_code in (1, 2):
            return False, note or "rejected by the checker", False
        return False, f"checker failed ({run.verdict}, exit {run.exit_code}): {note}", True
