#!/usr/bin/python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<parser>/ (small files only).

Seeds are valid files of each format, kept tiny so that the fuzzers run fast: hand-built ones for the formats
that have a simple writer here, and ones Lathe itself writes (a compiled container, its GGUF export, the
tokenizer.json of its ONNX export, calibration samples) from a tiny model compiled with the CLI given as
--lathe. Deterministic: running it again rewrites the same bytes, except where a writer stamps the date.
Needs Debian's python3-torch and python3-numpy (/usr/bin/python3), the sentencepiece CLI (spm_train) and the
parquet writers of tests/data/fixtures (node).
"""
import argparse
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(parser, name, data):
    folder = os.path.join(CORPUS, parser)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors_bytes(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = array.tobytes()
        dtype = {np.float32: "F32", np.float16: "F16", np.int8: "I8", np.uint8: "U8"}[array.dtype.type]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def tiny_config(**extra):
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 16,
              "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
              "vocab_size": 512, "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "tie_word_embeddings": True, "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2}
    config.update(extra)
    return config


def tiny_weights(config, rng):
    h, f, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    kv = h // config["num_attention_heads"] * config["num_key_value_heads"]
    shapes = {"model.embed_tokens.weight": (v, h), "model.norm.weight": (h,)}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": (h,), p + "post_attention_layernorm.weight": (h,),
                       p + "self_attn.q_proj.weight": (h, h), p + "self_attn.k_proj.weight": (kv, h),
                       p + "self_attn.v_proj.weight": (kv, h), p + "self_attn.o_proj.weight": (h, h),
                       p + "mlp.gate_proj.weight": (f, h), p + "mlp.up_proj.weight": (f, h),
                       p + "mlp.down_proj.weight": (h, f)})
    out = {}
    for name, shape in shapes.items():
        out[name] = (np.ones(shape) if name.endswith("norm.weight") else rng.standard_normal(shape) * 0.2).astype(np.float32)
    return out


def configs():
    put("model_config", "llama.json", json.dumps(tiny_config(), indent=2))
    put("model_config", "llama3-rope.json", json.dumps(tiny_config(rope_scaling={
        "rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192}, tie_word_embeddings=False, eos_token_id=[2, 3])))
    put("model_config", "qwen2.json", json.dumps(tiny_config(architectures=["Qwen2ForCausalLM"], model_type="qwen2",
                                                             torch_dtype="bfloat16", sliding_window=4096)))
    put("model_config", "mistral.json", json.dumps(tiny_config(architectures=["MistralForCausalLM"],
                                                               model_type="mistral", head_dim=8)))


def safetensors(rng):
    put("safetensors", "two-tensors.safetensors", safetensors_bytes(
        {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.arange(4, dtype=np.float16)},
        {"format": "pt"}))
    put("safetensors", "int-and-bytes.safetensors", safetensors_bytes(
        {"codes": np.array([[-8, 7], [1, 0]], dtype=np.int8), "tokenizer/x": np.frombuffer(b"hello", np.uint8)}))
    small = tiny_config(vocab_size=8, hidden_size=4, intermediate_size=8)
    put("safetensors", "tiny-llama.safetensors", safetensors_bytes(tiny_weights(small, rng)))


def llama2c(rng):
    dim, hidden, layers, heads, kv_heads, vocab, seq = 8, 16, 1, 2, 1, 16, 4
    head = dim // heads
    kv = head * kv_heads
    sizes = [vocab * dim, layers * dim, layers * dim * dim, layers * dim * kv, layers * dim * kv,
             layers * dim * dim, layers * dim, layers * hidden * dim, layers * dim * hidden, layers * hidden * dim,
             dim, seq * head // 2, seq * head // 2]
    values = (rng.standard_normal(sum(sizes)) * 0.1).astype(np.float32)
    put("llama2c", "shared-classifier.bin", struct.pack("<7i", dim, hidden, layers, heads, kv_heads, vocab, seq)
        + values.tobytes())
    extra = (rng.standard_normal(vocab * dim) * 0.1).astype(np.float32)
    put("llama2c", "own-classifier.bin", struct.pack("<7i", dim, hidden, layers, heads, kv_heads, -vocab, seq)
        + values.tobytes() + extra.tobytes())


def npy(rng):
    for name, shape in (("sample-1x3x4.npy", (1, 3, 4)), ("vector.npy", (5,)), ("scalar.npy", ())):
        buffer = io.BytesIO()
        np.save(buffer, rng.standard_normal(shape).astype("<f4"))
        put("npy", name, buffer.getvalue())


def torch_archives():
    torch.manual_seed(0)
    table = torch.randn(12, 4)

    def saved(obj):
        buffer = io.BytesIO()
        torch.save(obj, buffer)
        return buffer.getvalue()

    put("torch_archive", "tensor.pt", saved(table))
    put("torch_archive", "parameter.pt", saved(torch.nn.Parameter(table.clone())))
    put("torch_archive", "dict.pt", saved({"weight": table.to(torch.bfloat16)}))
    put("torch_archive", "view.pt", saved(table[2:10:2]))

    class Rotation(torch.nn.Module):
        def __init__(self):
            super().__init__()
            q, _ = torch.linalg.qr(torch.randn(4, 4, dtype=torch.float64))
            self.weight = torch.nn.Parameter(q, requires_grad=False)

    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(Rotation()), buffer)
    put("torch_archive", "rotation.pth", buffer.getvalue())


def byte_level_tokenizer():
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["Ġ", ".", ","]
    vocab = {"<|endoftext|>": 0}
    for piece in letters + ["th", "Ġt", "Ġth", "he", "Ġthe", "in", "ing"]:
        vocab.setdefault(piece, len(vocab))
    return {
        "version": "1.0",
        "added_tokens": [{"id": 0, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [["t", "h"], ["Ġ", "t"], ["Ġt", "h"], ["h", "e"], ["Ġth", "e"],
                                             ["i", "n"], ["in", "g"]]}}


def tokenizers():
    put("tokenizer_json", "byte-level-bpe.json", json.dumps(byte_level_tokenizer(), indent=1, ensure_ascii=False))


def sentencepiece(work):
    text = os.path.join(work, "spm.txt")
    with open(text, "w", encoding="utf-8") as f:
        for i in range(200):
            f.write(f"Once upon a time there was a little cat number {i}. Grüße aus Köln, 東京 {i % 7}.\n")
    for kind, size in (("bpe", 320), ("unigram", 300)):
        prefix = os.path.join(work, kind)
        subprocess.run(["spm_train", f"--input={text}", f"--model_prefix={prefix}", f"--vocab_size={size}",
                        f"--model_type={kind}", "--byte_fallback=true", "--character_coverage=1.0",
                        "--num_threads=1", "--minloglevel=2",
                        "--normalization_rule_name=identity"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(prefix + ".model", "rb") as f:
            put("sentencepiece", f"{kind}.model", f.read())


def projects():
    base = {"schema": "lathe-project", "version": 1, "name": "tiny w4v8", "output_dir": "output",
            "model": {"source": "local", "repo_id": "", "revision": "main", "local_path": "model"},
            "calibration": {"dataset": "local", "text_file": "calib.txt", "languages": ["en"], "min_seqlen": 16,
                            "max_seqlen": 64, "max_calib": 8, "merge": True},
            "quantization": {"bit_mode": "w4v8", "rotation": True, "gptq": True, "activation_method": "percentile",
                             "percentile": 0.9999, "group_size": 32, "group_bits": {"value": 8, "ffn": 4},
                             "keep_16bit_activations": ["lm_head"], "seed": 0, "threads": 0, "target": "lathe"},
            "export": {"formats": ["gguf", "onnx"], "onnx_opset": 17}}
    put("project", "full.lathe", json.dumps(base, indent=2))
    put("project", "short.lathe", json.dumps({"name": "hub", "model": {"source": "hub", "repo_id": "org/model"}}))
    put("project", "version0.lathe", json.dumps({"version": 0, "name": "old", "output_dir": "/tmp/lathe-out",
                                                 "quantization": {"bit_mode": "w8", "target": "gguf"}}))


# Chat templates written for the corpus, each in the style of a real family's (role headers, a system block pulled
# out of the messages, tool definitions, thinking blocks, alternation checks), so the fuzzer starts from every
# statement, filter and method those use. The .jinja ones stay within what @huggingface/jinja accepts, and
# TestChatTemplatePeer compares them with it too; extras.j2 uses what only Lathe (and Python's Jinja) accepts.
CHAT_TEMPLATES = {
    "headers.jinja": (
        "{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system = messages[0]['content'] | trim %}"
        "{%- set messages = messages[1:] %}{%- else %}{%- set system = '' %}{%- endif %}\n"
        "{{- '<|header|>system<|end|>\\n\\nToday: ' + date_string + '\\n\\n' + system + '<|eot|>' }}\n"
        "{%- for message in messages %}\n"
        "    {%- if 'tool_calls' in message %}{{- message.tool_calls[0].function.arguments | tojson(indent=2) }}\n"
        "    {%- else %}{{- '<|header|>' + message['role'] + '<|end|>\\n\\n' + message['content'] | string | trim"
        " + '<|eot|>' }}{%- endif %}\n"
        "{%- endfor %}\n{%- if add_generation_prompt %}{{- '<|header|>assistant<|end|>\\n\\n' }}{%- endif %}\n"),
    "thinking.jinja": (
        "{%- set ns = namespace(last=messages|length - 1, tools=false) %}\n"
        "{%- for message in messages[::-1] %}{%- set i = (messages|length - 1) - loop.index0 %}\n"
        "  {%- if message.role == 'user' and message.content is string and not message.content.startswith('<t>') %}"
        "{%- set ns.last = i %}{%- break %}{%- endif %}\n{%- endfor %}\n"
        "{%- if tools %}{{- '<tools>' }}{%- for t in tools %}{{- '\\n' + (t | tojson) }}{%- endfor %}"
        "{{- '</tools>' }}{%- endif %}\n"
        "{%- for message in messages %}\n"
        "  {%- if message.role == 'assistant' and '</think>' in message.content %}\n"
        "    {%- set content = message.content.split('</think>')[-1].lstrip('\\n') %}\n"
        "    {%- set reasoning = message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1] %}\n"
        "    {{- '<|im_start|>assistant\\n<think>' + reasoning.strip('\\n') + '</think>' + content }}\n"
        "  {%- elif message.content is not string %}{%- for part in message.content if part.type == 'text' %}"
        "{{- part.text | upper }}{%- endfor %}\n"
        "  {%- else %}{{- '<|im_start|>' ~ message.role ~ '\\n' ~ message.content ~ '<|im_end|>\\n' }}{%- endif %}\n"
        "{%- endfor %}\n"
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
        "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}"
        "{%- endif %}{%- endif %}\n"),
    "alternate.jinja": (
        "{{ bos_token }}{% macro turn(role, text='') -%}<start>{{ role }}\n{{ text | trim }}<end>\n{%- endmacro %}\n"
        "{% for m in messages if m.role in ['user', 'assistant'] %}"
        "{% if (m.role == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('roles must alternate, at ' ~ loop.index) }}{% endif %}"
        "{{ turn('model' if m.role == 'assistant' else m.role, m.content if m.content is string else "
        "m.content | map(attribute='type') | join(',')) }}{% endfor %}"
        "{% if add_generation_prompt %}<start>model\n{% endif %}{# done #}"),
    "filters.jinja": (
        "{% set d = {'b': 2, 'a': [1, 2.5, none, true]} %}{{ d | dictsort | list }} {{ d.items() | list | length }}"
        "{% for k, v in d.items() %}{{ k | capitalize }}={{ v }};{% else %}empty{% endfor %}"
        "{{ range(3, 10, 2) | join('-') }} {{ 'A,B,,C'.split(',', 2) }} {{ ('x' ~ 'x' ~ 'x') | replace('x', 'y', 2) }}"
        "{{ [3, 1, 2] | sort | reverse | first }}{{ messages | map(attribute='role') | unique | list }}"
        "{{ 7 // 2 }}{{ 7 % 3 }}{{ 2 ** 5 }}{{ -1.5 | abs }}"
        "{{ 'é' | length }}{{ (messages | last).role | default('none') }}"
        "{% filter upper %}shout{% endfilter %}"
        "{% set block %}captured {{ 1 + 1 }}{% endset %}{{ block }}"),
    "extras.j2": (
        "{% raw %}{{ not rendered }}{% endraw %}{{ messages | selectattr('role', 'in', ['user', 'tool']) | list "
        "| length }}{{ 10 is divisibleby 5 }}{{ 'a-b-c'.rsplit('-', 1) }}{{ 3.14159 | round(2) }}"
        "{{ '<b>' | e }}{{ range(5) | batch(2) | list }}{{ 'long text here' | truncate(9) }}{{ 'x' | center(5) }}{{ 'Hello World' | wordcount }}"
        "{% for m in messages %}{{ loop.previtem.role if loop.previtem else '-' }}{% endfor %}"),
}


def chat_templates():
    for name, text in CHAT_TEMPLATES.items():
        put("chat_template", name, text)


def parquet():
    """Parquet seeds from the pinned JS writers of the parquet tests (tests/data/fixtures/install.sh)."""
    fixtures = os.path.join(HERE, "..", "data", "fixtures")
    subprocess.run(["node", os.path.join(fixtures, "make-fuzz-seeds.mjs"), os.path.join(CORPUS, "parquet")],
                   check=True)


def lathe_outputs(lathe, work, rng):
    """A tiny model compiled by the CLI: its container, GGUF export, tokenizer.json and calibration samples."""
    model = os.path.join(work, "tiny-model")
    os.makedirs(model)
    # The vocabulary of spm_train's bpe.model; rows of 32 so that the GGUF export's blocks fit.
    config = tiny_config(vocab_size=320, hidden_size=32, intermediate_size=64)
    with open(os.path.join(model, "config.json"), "w") as f:
        json.dump(config, f)
    with open(os.path.join(model, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(tiny_weights(config, rng)))
    shutil.copy(os.path.join(work, "bpe.model"), os.path.join(model, "tokenizer.model"))
    text = os.path.join(work, "calib.txt")
    with open(text, "w") as f:
        for i in range(40):
            f.write(f"Once upon a time there was a little cat number {i}. It liked milk and sunny days.\n\n")

    def run(*args):
        subprocess.run([lathe, *args], check=True, stdout=subprocess.DEVNULL)

    embedding = os.path.join(work, "embedding.pt")
    run("download-model", "--repo_id", model, "--embedding", embedding)
    with open(embedding, "rb") as f:
        put("torch_archive", "lathe-embedding.pt", f.read())
    calib = os.path.join(work, "calib")
    run("generate-calib", "--model_tag", "tiny", "--embedding_path", embedding, "--tokenizer_path", model,
        "--output-dir", calib, "--text-file", text, "--min-seqlen", "8", "--max-seqlen", "16", "--max-calib", "4")
    samples = sorted(os.path.join(dp, n) for dp, _, names in os.walk(calib) for n in names if n.endswith(".npy"))
    with open(samples[0], "rb") as f:
        put("npy", "lathe-sample.npy", f.read())
    for bits in ("w8", "w4"):
        out = os.path.join(work, f"tiny-{bits}.mxq")
        run("compile", "--model_path", model, "--calib_data_path", os.path.dirname(samples[0]), "--save_path", out,
            "--bit", bits, *(["--target", "gguf"] if bits == "w4" else []))
        with open(out, "rb") as f:
            put("compiled_container", f"tiny-{bits}.mxq", f.read())
    with open(os.path.join(work, "spinWeight", "tiny-model", "R1", "global_rotation.pth"), "rb") as f:
        put("torch_archive", "lathe-rotation.pth", f.read())  # the w4 compile's R1 rotation
    gguf = os.path.join(work, "tiny.gguf")
    run("export", "--format", "gguf", "--mxq-path", os.path.join(work, "tiny-w4.mxq"), "--embedding-weight-path",
        embedding, "--output", gguf)
    with open(gguf, "rb") as f:
        put("gguf", "tiny-w4.gguf", f.read())
    onnx = os.path.join(work, "onnx")
    run("export", "--format", "onnx", "--mxq-path", os.path.join(work, "tiny-w8.mxq"), "--embedding-weight-path",
        embedding, "--output-dir", onnx)
    with open(os.path.join(onnx, "tokenizer.json"), "rb") as f:
        put("tokenizer_json", "from-sentencepiece.json", f.read())
    with open(os.path.join(model, "config.json"), "rb") as f:
        put("model_config", "tiny-model.json", f.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lathe", required=True, help="the lathe CLI that writes the Lathe-made seeds")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as work:
        configs()
        safetensors(rng)
        llama2c(rng)
        npy(rng)
        torch_archives()
        tokenizers()
        sentencepiece(work)
        projects()
        chat_templates()
        parquet()
        lathe_outputs(os.path.abspath(args.lathe), work, rng)


if __name__ == "__main__":
    sys.exit(main())
