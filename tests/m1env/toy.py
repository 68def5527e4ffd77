"""Small environments used by the core tests (real envs, real verifier)."""

from __future__ import annotations

from typing import Any

from m1env import MultiTurnEnv, Problem, ProceduralSource, Score, SingleTurnEnv, Turn, item_rng

WORDS = ["apple", "river", "stone", "cloud", "tiger", "piano", "lemon", "orbit"]


def reverse_word(seed: int, index: int, difficulty: int) -> Problem:
    rng = item_rng(seed, index, difficulty, "reverse")
    word = "".join(rng.choice(WORDS) for _ in range(difficulty))
    return Problem(
        question=f"Reverse the string {word!r}.",
        answer=word[::-1],
        metadata={"length": len(word)},
    )


class ReverseEnv(SingleTurnEnv):
    def __init__(self, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(ProceduralSource(reverse_word, seed=seed, name="reverse"), **kwargs)


def secret_number(seed: int, index: int, difficulty: int) -> Problem:
    rng = item_rng(seed, index, difficulty, "guess")
    return Problem(question="Guess my number between 1 and 100.", answer=rng.randint(1, 100))


class GuessEnv(MultiTurnEnv):
    """Guess a number; each wrong guess is answered 'higher' or 'lower'."""

    def __init__(self, seed: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("max_turns", 8)
        super().__init__(ProceduralSource(secret_number, seed=seed, name="guess"), **kwargs)

    def example_response(self, task: Any) -> str:
        return f"<answer>{task.reference}</answer>"

    def turn(self, action: str) -> Turn:
        assert self.task is not None
        score = self.score(action, self.task)
        if score.is_correct:
            return Turn("correct", done=True, score=score)
        try:
            guess = int(action.split("<answer>")[-1].split("</answer>")[0])
        except ValueError:
            return Turn("answer with <answer>N</answer>")
        hint = "higher" if guess < int(self.task.reference) else "lower"
        return Turn(hint)

    def final_score(self) -> Score:
        return Score.incorrect("out of guesses")
