#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes a llama-architecture GGUF model with random weights.

No model can be downloaded here, and none is needed to measure a scheduler:
the compute per token of a model depends on its shape, not on what its
weights learned. The vocabulary is a placeholder (byte tokens), so the text
it generates is noise; llama-bench, llama-cli and llama-server load and run
it as they would a real model of the same shape.

    gen-gguf.py OUT.gguf [--dim 256] [--layers 4] [--heads 8] [--ff 768]
                [--vocab 512] [--ctx 512] [--seed 1] [--type f32|f16]

Needs numpy and the gguf package (Debian's python3-gguf, or its unpacked
copy on PYTHONPATH).
"""
import argparse
import sys

import numpy as np

try:
    import gguf
except ImportError:
    sys.exit("gen-gguf: the gguf package is missing: install python3-gguf, or put an unpacked copy on PYTHONPATH")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--ff", type=int, default=768)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--type", choices=["f32", "f16"], default="f32")
    a = ap.parse_args()
    if a.dim % a.heads:
        sys.exit(f"gen-gguf: --dim {a.dim} is not a multiple of --heads {a.heads}")
    if a.vocab < 259:
        sys.exit("gen-gguf: --vocab must be at least 259 (3 special tokens and 256 bytes)")

    rng = np.random.default_rng(a.seed)
    dtype = np.float16 if a.type == "f16" else np.float32

    def weight(rows, cols):
        # Scaled like an initialised layer, so activations stay finite.
        return (rng.standard_normal((rows, cols), dtype=np.float32) / np.sqrt(cols)).astype(dtype)

    w = gguf.GGUFWriter(a.out, "llama")
    w.add_name(f"random-llama-{a.dim}x{a.layers}")
    w.add_context_length(a.ctx)
    w.add_embedding_length(a.dim)
    w.add_block_count(a.layers)
    w.add_feed_forward_length(a.ff)
    w.add_head_count(a.heads)
    w.add_head_count_kv(a.heads)
    w.add_rope_dimension_count(a.dim // a.heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if a.type == "f16" else gguf.LlamaFileType.ALL_F32)

    # Placeholder vocabulary: <unk> <s> </s>, the 256 bytes, then fillers.
    tokens = [b"<unk>", b"<s>", b"</s>"] + [f"<0x{i:02X}>".encode() for i in range(256)]
    tokens += [f"tok{i}".encode() for i in range(a.vocab - len(tokens))]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * 256 + [gguf.TokenType.NORMAL] * (a.vocab - 259)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * a.vocab)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    norm = np.ones(a.dim, dtype=np.float32)  # norms stay f32, as converters write them
    w.add_tensor("token_embd.weight", weight(a.vocab, a.dim))
    for i in range(a.layers):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", norm)
        w.add_tensor(p + "attn_q.weight", weight(a.dim, a.dim))
        w.add_tensor(p + "attn_k.weight", weight(a.dim, a.dim))
        w.add_tensor(p + "attn_v.weight", weight(a.dim, a.dim))
        w.add_tensor(p + "attn_output.weight", weight(a.dim, a.dim))
        w.add_tensor(p + "ffn_norm.weight", norm)
        w.add_tensor(p + "ffn_gate.weight", weight(a.ff, a.dim))
        w.add_tensor(p + "ffn_up.weight", weight(a.ff, a.dim))
        w.add_tensor(p + "ffn_down.weight", weight(a.dim, a.ff))
    w.add_tensor("output_norm.weight", norm)
    w.add_tensor("output.weight", weight(a.vocab, a.dim))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    params = a.vocab * a.dim * 2 + a.layers * (4 * a.dim * a.dim + 3 * a.dim * a.ff)
    print(f"{a.out}: llama, dim {a.dim}, {a.layers} layers, {a.heads} heads, ff {a.ff}, vocab {a.vocab}, "
          f"{params / 1e6:.1f} M parameters, {a.type}")


if __name__ == "__main__":
    main()
