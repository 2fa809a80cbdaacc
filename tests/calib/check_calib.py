#!/usr/bin/python3
"""Independent check of `lathe generate-calib` output (run with Debian's /usr/bin/python3).

Recomputes every sample from the corpus without Lathe: tokenizes each article with the sentencepiece CLI
(`spm_encode --extra_options=bos`, as AutoTokenizer adds BOS for Llama-style sentencepiece tokenizers),
applies the reference rules (skip empty, skip shorter than min_seqlen, truncate to max_seqlen, stop at
max_calib), looks the ids up in the embedding loaded with torch.load, and compares with np.load of each
file: dtype float32, shape [1, seq, hidden], identical values, and no other sample files.
With --multilingual (the newer vendor tutorial's layout) max-calib is the total, split with divmod as the
tutorial does (the first max_calib % n languages take one more), and every sample is
multilingual/<lang>_inputs_embeds_<i>.npy.

usage: check_calib.py --out DIR --tag TAG --embedding E.pt --spm M.model --corpus C.json
                      --min N --max N --max-calib N --languages en,ja [--merged | --multilingual]
C.json: {"<lang>": [{"text": str|null, ...}, ...]} in corpus order.
Prints {"<lang>": {"samples": n, "selected": [corpus indices], "tokens": [...], "too_short": n}} on success.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch


def fail(msg):
    print("check_calib: " + msg, file=sys.stderr)
    sys.exit(1)


def encode_all(model, texts):
    for t in texts:
        if "\n" in t or "\r" in t:
            fail("article text contains a line break; spm_encode cannot reproduce it")
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\n".join(texts) + "\n")
        name = f.name
    try:
        out = subprocess.run(["spm_encode", "--model", model, "--output_format=id", "--extra_options=bos", name],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(name)
    lines = out.split("\n")[:len(texts)]
    return [[int(x) for x in line.split()] for line in lines]


def sample_files(folder, prefix=""):
    names = [n for n in os.listdir(folder) if re.fullmatch(re.escape(prefix) + r"inputs_embeds_\d+\.npy", n)]
    return sorted(names, key=lambda n: int(n[len(prefix + "inputs_embeds_"):-4]))


def main():
    ap = argparse.ArgumentParser()
    for a in ("--out", "--tag", "--embedding", "--spm", "--corpus", "--languages"):
        ap.add_argument(a, required=True)
    for a in ("--min", "--max", "--max-calib"):
        ap.add_argument(a, type=int, required=True)
    ap.add_argument("--merged", action="store_true")
    ap.add_argument("--multilingual", action="store_true")
    args = ap.parse_args()
    languages = args.languages.split(",")
    if args.multilingual:
        per, extra = divmod(args.max_calib, len(languages))
        quota = {lang: per + (i < extra) for i, lang in enumerate(languages)}
    else:
        quota = {lang: args.max_calib for lang in languages}

    emb = torch.load(args.embedding)
    if isinstance(emb, dict):
        emb = emb["weight"]
    table = emb.detach().float().numpy()
    corpus = json.load(open(args.corpus, encoding="utf-8"))
    base = os.path.join(args.out, "datas", args.tag.replace("/", "-"))
    report = {}
    merged_expected = []
    all_names = []
    for lang in languages:
        docs = corpus[lang]
        nonempty = [(i, d["text"]) for i, d in enumerate(docs) if d.get("text")]
        ids_list = encode_all(args.spm, [t for _, t in nonempty])
        selected, tokens, too_short, expected = [], [], 0, []
        for (index, _), ids in zip(nonempty, ids_list):
            if len(selected) >= quota[lang]:
                break
            if len(ids) == 0:
                continue
            if len(ids) < args.min:
                too_short += 1
                continue
            ids = ids[:args.max]
            selected.append(index)
            tokens.append(len(ids))
            expected.append(table[np.array(ids)][None, :, :])
        prefix = lang + "_" if args.multilingual else ""
        folder = os.path.join(base, "multilingual" if args.multilingual else lang)
        names = sample_files(folder, prefix) if os.path.isdir(folder) else []
        want = ["%sinputs_embeds_%d.npy" % (prefix, i) for i in range(len(expected))]
        all_names += want
        if names != want:
            fail("%s: files %s, expected %s" % (lang, names[:5] + ["..."], want[:5] + ["..."]))
        for name, exp in zip(want, expected):
            got = np.load(os.path.join(folder, name))
            if got.dtype != np.float32 or got.shape != exp.shape:
                fail("%s/%s: %s %s, expected float32 %s" % (lang, name, got.dtype, got.shape, exp.shape))
            if not np.array_equal(got, exp):
                fail("%s/%s: values differ (max abs diff %g)" % (lang, name, np.abs(got - exp).max()))
        merged_expected += expected
        report[lang] = {"samples": len(expected), "selected": selected, "tokens": tokens, "too_short": too_short}
    if args.multilingual:
        present = sorted(os.listdir(os.path.join(base, "multilingual")))
        if present != sorted(all_names):
            fail("multilingual: %d files, expected exactly the %d samples" % (len(present), len(all_names)))
    if args.merged:
        folder = os.path.join(base, "merged")
        names = sample_files(folder)
        want = ["inputs_embeds_%d.npy" % i for i in range(len(merged_expected))]
        if names != want:
            fail("merged: %d files, expected %d" % (len(names), len(want)))
        for name, exp in zip(want, merged_expected):
            if not np.array_equal(np.load(os.path.join(folder, name)), exp):
                fail("merged/%s differs" % name)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
