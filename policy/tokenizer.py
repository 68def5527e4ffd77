"""A byte-level tokenizer with special tokens and a ChatML-style chat template.

Ids ``0..255`` are the bytes of the UTF-8 text; ids from 256 are special tokens (``<|pad|>``,
``<|bos|>``, ``<|eos|>``, ``<|im_start|>``, ``<|im_end|>``, then reserved slots up to
``vocab_size``). Nothing is downloaded and every string round-trips exactly.

Chat template (ChatML, as Qwen and many open models use)::

    <|im_start|>{role}\\n{content}<|im_end|>\\n   ...for every message, then, when a reply is wanted,
    <|im_start|>assistant\\n

Message text is always encoded as bytes, so a user who types ``<|im_end|>`` gets those bytes,
never the control token. Generation stops at ``<|eos|>`` or ``<|im_end|>`` (:attr:`stop_ids`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from m1env.errors import TokenizerError

__all__ = ["ByteTokenizer", "ChatMessage"]

ChatMessage = Mapping[str, Any]

_SPECIALS = ("<|pad|>", "<|bos|>", "<|eos|>", "<|im_start|>", "<|im_end|>")


class ByteTokenizer:
    """Bytes plus special tokens. ``vocab_size`` must leave room for the five named specials."""

    def __init__(self, vocab_size: int = 272) -> None:
        if vocab_size < 256 + len(_SPECIALS):
            raise TokenizerError(f"vocab_size must be >= {256 + len(_SPECIALS)}, got {vocab_size}")
        self.vocab_size = vocab_size
        names = list(_SPECIALS) + [
            f"<|reserved_{i}|>" for i in range(vocab_size - 256 - len(_SPECIALS))
        ]
        self.special_tokens: dict[str, int] = {name: 256 + i for i, name in enumerate(names)}
        self._special_names = {i: name for name, i in self.special_tokens.items()}
        self.pad_id = self.special_tokens["<|pad|>"]
        self.bos_id = self.special_tokens["<|bos|>"]
        self.eos_id = self.special_tokens["<|eos|>"]
        self.im_start_id = self.special_tokens["<|im_start|>"]
        self.im_end_id = self.special_tokens["<|im_end|>"]
        self.stop_ids = frozenset({self.eos_id, self.im_end_id})
        self._special_re = re.compile("|".join(re.escape(n) for n in _SPECIALS))

    def encode(self, text: str, *, add_bos: bool = False, parse_special: bool = False) -> list[int]:
        """UTF-8 bytes of ``text``; with ``parse_special`` the named special strings become ids."""
        if not isinstance(text, str):
            raise TokenizerError(f"expected str, got {type(text).__name__}")
        ids = [self.bos_id] if add_bos else []
        if not parse_special:
            return ids + list(text.encode("utf-8"))
        pos = 0
        for match in self._special_re.finditer(text):
            ids.extend(text[pos : match.start()].encode("utf-8"))
            ids.append(self.special_tokens[match.group()])
            pos = match.end()
        ids.extend(text[pos:].encode("utf-8"))
        return ids

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes one token contributes to decoded text (special tokens: none)."""
        self._check_id(token_id)
        return bytes((token_id,)) if token_id < 256 else b""

    def token_str(self, token_id: int) -> str:
        """A printable form of one token: its character, ``<|name|>``, or ``\\xNN`` for a lone byte."""
        self._check_id(token_id)
        if token_id >= 256:
            return self._special_names[token_id]
        return bytes((token_id,)).decode("utf-8", errors="backslashreplace")

    def decode(self, ids: Iterable[int], *, skip_special: bool = True) -> str:
        """Text of ``ids``; invalid UTF-8 (e.g. a cut multi-byte character) becomes U+FFFD."""
        out = bytearray()
        for i in ids:
            self._check_id(i)
            if i < 256:
                out.append(i)
            elif not skip_special:
                out.extend(self._special_names[i].encode("utf-8"))
        return out.decode("utf-8", errors="replace")

    def apply_chat_template(
        self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True
    ) -> list[int]:
        """Token ids of a conversation; ``messages`` are ``{"role": str, "content": str}``."""
        if not messages and not add_generation_prompt:
            raise TokenizerError("a chat needs at least one message")
        ids: list[int] = []
        for n, msg in enumerate(messages):
            role, content = msg.get("role"), msg.get("content")
            if not isinstance(role, str) or not role or "\n" in role:
                raise TokenizerError(f"message {n}: role must be a non-empty one-line string")
            if not isinstance(content, str):
                raise TokenizerError(f"message {n}: content must be a string")
            ids.append(self.im_start_id)
            ids.extend(f"{role}\n{content}".encode())
            ids.append(self.im_end_id)
            ids.append(ord("\n"))
        if add_generation_prompt:
            ids.append(self.im_start_id)
            ids.extend(b"assistant\n")
        return ids

    def to_dict(self) -> dict[str, Any]:
        return {"type": "byte", "vocab_size": self.vocab_size}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ByteTokenizer:
        if data.get("type") != "byte":
            raise TokenizerError(f"unknown tokenizer type {data.get('type')!r}")
        return cls(int(data["vocab_size"]))

    def _check_id(self, token_id: int) -> None:
        if not 0 <= token_id < self.vocab_size:
            raise TokenizerError(f"token id {token_id} outside [0, {self.vocab_size})")
