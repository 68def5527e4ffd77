"""Aligning a single line within a width."""

from wraptext.tokens import split_words


def _check(line, width):
    if len(line) > width:
        raise ValueError(f"line of {len(line)} characters does not fit in {width}")


def center(line, width):
    """``line`` centred; an odd leftover space goes to the right."""
    _check(line, width)
    left = (width - len(line)) // 2
    return " " * left + line + " " * (width - len(line) - left)


def justify(line, width):
    """The words of ``line`` spread so the line is exactly ``width`` long.

    Extra spaces go to the leftmost gaps first; a single word is left-aligned.
    """
    words = split_words(line)
    _check(" ".join(words), width)
    if len(words) < 2:
        return " ".join(words).ljust(width)
    gaps = len(words) - 1
    spaces = width - sum(len(w) for w in words)
    base, extra = divmod(spaces, gaps)
    out = words[0]
    for i, word in enumerate(words[1:]):
        out += " " * (base + (1 if i < extra else 0)) + word
    return out
