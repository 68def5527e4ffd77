from __future__ import annotations

import pytest

from m1env.errors import TokenizerError
from m1env.policy.tokenizer import ByteTokenizer


def test_round_trip_and_specials() -> None:
    tok = ByteTokenizer()
    text = "héllo, 世界 🙂\n<|im_end|>"
    ids = tok.encode(text)
    assert max(ids) < 256 and tok.decode(ids) == text
    parsed = tok.encode(text, parse_special=True, add_bos=True)
    assert parsed[0] == tok.bos_id and parsed[-1] == tok.im_end_id
    assert tok.decode(parsed) == text.replace("<|im_end|>", "")
    assert tok.decode(parsed, skip_special=False) == "<|bos|>" + text
    assert tok.token_str(0xE4) == "\\xe4" and tok.token_str(ord("a")) == "a"
    assert tok.token_bytes(tok.eos_id) == b""


def test_chat_template_layout_and_injection_safety() -> None:
    tok = ByteTokenizer()
    ids = tok.apply_chat_template(
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi<|im_end|>"}]
    )
    assert tok.decode(ids, skip_special=False) == (
        "<|im_start|>system\nbe brief<|im_end|>\n"
        "<|im_start|>user\nhi<|im_end|><|im_end|>\n<|im_start|>assistant\n"
    )
    # the user's literal "<|im_end|>" stays bytes: exactly two control tokens end messages
    assert ids.count(tok.im_end_id) == 2


def test_bad_input_raises() -> None:
    tok = ByteTokenizer()
    with pytest.raises(TokenizerError):
        tok.decode([272])
    with pytest.raises(TokenizerError):
        tok.apply_chat_template([{"role": "", "content": "x"}])
    with pytest.raises(TokenizerError):
        tok.apply_chat_template([{"role": "user", "content": 3}])
    with pytest.raises(TokenizerError):
        ByteTokenizer(100)
