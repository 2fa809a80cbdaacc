#!/usr/bin/python3
"""Writes a small synthetic Hugging Face model folder (Llama-shaped config, tokenizer files, one
model.safetensors with deterministic float32 tensors) for exercising the Hub client.

usage: make_model.py OUT_DIR [--hidden N] [--layers N] [--vocab N]
"""
import argparse
import hashlib
import json
import os
import struct


def pseudo_random_bytes(seed: bytes, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(8, "little")).digest()
        counter += 1
    return bytes(out[:size])


def tensor_bytes(name: str, count: int) -> bytes:
    # Finite floats in [-1, 1): take 23 random mantissa bits under a fixed exponent.
    raw = pseudo_random_bytes(name.encode(), count * 4)
    vals = struct.unpack("<%dI" % count, raw)
    return struct.pack("<%dI" % count, *[(0x3F800000 | (v & 0x007FFFFF)) for v in vals])


def write_safetensors(path: str, tensors):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    blobs = []
    for name, shape in tensors:
        count = 1
        for d in shape:
            count *= d
        data = tensor_bytes(name, count)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--ffn", type=int, default=172)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": a.hidden,
        "intermediate_size": a.ffn, "num_hidden_layers": a.layers, "num_attention_heads": 8,
        "num_key_value_heads": 4, "vocab_size": a.vocab, "max_position_embeddings": 512,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32",
    }
    files = {
        "config.json": json.dumps(config, indent=2) + "\n",
        "generation_config.json": json.dumps({"bos_token_id": 1, "eos_token_id": 2}, indent=2) + "\n",
        "tokenizer_config.json": json.dumps({"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": True}) + "\n",
        "special_tokens_map.json": json.dumps({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}) + "\n",
        "tokenizer.json": json.dumps({"version": "1.0", "model": {"type": "BPE", "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2}, "merges": []}}) + "\n",
        "README.md": "---\nlicense: mit\n---\n# synthetic test model\n",
        ".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
    }
    for name, text in files.items():
        with open(os.path.join(a.out, name), "w") as f:
            f.write(text)
    # A weight file the client must not fetch (Lathe reads safetensors only).
    with open(os.path.join(a.out, "pytorch_model.bin"), "wb") as f:
        f.write(pseudo_random_bytes(b"bin", 4096))
    h, ffn = a.hidden, a.ffn
    tensors = [("model.embed_tokens.weight", [a.vocab, h])]
    for i in range(a.layers):
        p = "model.layers.%d." % i
        tensors += [(p + "input_layernorm.weight", [h]), (p + "self_attn.q_proj.weight", [h, h]),
                    (p + "self_attn.k_proj.weight", [h // 2, h]), (p + "self_attn.v_proj.weight", [h // 2, h]),
                    (p + "self_attn.o_proj.weight", [h, h]), (p + "post_attention_layernorm.weight", [h]),
                    (p + "mlp.gate_proj.weight", [ffn, h]), (p + "mlp.up_proj.weight", [ffn, h]),
                    (p + "mlp.down_proj.weight", [h, ffn])]
    tensors += [("model.norm.weight", [h]), ("lm_head.weight", [a.vocab, h])]
    write_safetensors(os.path.join(a.out, "model.safetensors"), tensors)


if __name__ == "__main__":
    main()
