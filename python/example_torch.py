"""A plain PyTorch module of docs/NUMERIC.md's architecture, exported for ltlattn.

    pip install torch numpy safetensors
    python3 python/example_torch.py out/       # writes out/naive.toml + out/naive.safetensors
    cargo run --release -- check out/naive.toml --spec 'P a'

The module is the one-layer "contains a" of NUMERIC.md §2 with its weights set by hand
(train your own instead); the names are PyTorch's own (`tok`, `blocks.0.attn.q`, `head`)
and `RENAME` maps them to the tensor names ltlattn reads. The same export, with the same
names from numpy arrays, is what python/test_export.py runs in CI.
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ltlattn_export as lx  # noqa: E402
from example_naming import RENAME  # noqa: E402


class Attention(nn.Module):
    def __init__(self, d, d_head, window=None):
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(d, d_head) for _ in range(3))
        self.o = nn.Linear(d_head, d, bias=False)
        self.window = window  # None: global

    def forward(self, x):  # x: [T, d]; strict masking, zero output without keys
        t = x.shape[0]
        i = torch.arange(t)[:, None]
        j = torch.arange(t)[None, :]
        mask = j < i
        if self.window is not None:
            mask &= j >= i - self.window
        s = self.q(x) @ self.k(x).T  # scale 1.0, as the TOML below says
        s = s.masked_fill(~mask, float("-inf"))
        a = torch.nan_to_num(torch.softmax(s, dim=-1))  # rows without keys: 0
        return self.o(a @ self.v(x))


class Block(nn.Module):
    def __init__(self, d, d_head):
        super().__init__()
        self.attn = Attention(d, d_head)

    def forward(self, x):
        return x + self.attn(x)


class TinyTransformer(nn.Module):
    """NoPE, the end marker as the last embedding row, the classifier read at ⊣."""

    def __init__(self, letters=2, d=2, d_head=1, layers=1):
        super().__init__()
        self.tok = nn.Embedding(letters + 1, d)
        self.blocks = nn.ModuleList(Block(d, d_head) for _ in range(layers))
        self.head = nn.Linear(d, 1)
        self.eos = letters

    def forward(self, word):  # word: list of letter indices
        x = self.tok(torch.tensor(list(word) + [self.eos]))
        for b in self.blocks:
            x = b(x)
        return self.head(x[-1])  # logit at ⊣; accepted iff > 0


def naive_contains_a():
    m = TinyTransformer()
    with torch.no_grad():
        m.tok.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        att = m.blocks[0].attn
        att.q.weight.zero_(); att.q.bias.fill_(1.0)
        att.k.weight.copy_(torch.tensor([[4.0, 0.0]])); att.k.bias.zero_()
        att.v.weight.copy_(torch.tensor([[1.0, 0.0]])); att.v.bias.zero_()
        att.o.weight.copy_(torch.tensor([[0.0], [1.0]]))
        m.head.weight.copy_(torch.tensor([[0.0, 1.0]])); m.head.bias.fill_(-0.125)
    return m


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    model = naive_contains_a()
    print("float logits: 'a' ->", float(model([0])), " 'b' ->", float(model([1])))
    names = lx.export(
        model,
        alphabet=["a", "b"],
        layers=[{"heads": [{"range": "global", "scale": 1.0}], "ffn": False}],
        number={"format": "fixed", "int_bits": 5, "frac_bits": 2},
        path=os.path.join(out, "naive.toml"),
        rename=RENAME,
        name="naive contains-a (PyTorch)",
    )
    print("wrote", len(names), "tensors to", os.path.join(out, "naive.safetensors"))
