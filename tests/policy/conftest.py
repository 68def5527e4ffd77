"""Tests run torch on one thread: the models are tiny, and on a shared CI machine idle
intra-op threads spin and stall every small op (a 10x slowdown was seen under load)."""

from __future__ import annotations

import torch

torch.set_num_threads(1)
