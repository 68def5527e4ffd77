"""Unicode helpers."""

import unicodedata


def strip_accents(text):
    """``"café"`` -> ``"cafe"``: drop combining marks after NFKD decomposition."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
