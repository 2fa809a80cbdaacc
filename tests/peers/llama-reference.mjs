// Reference outputs from llama.cpp (through node-llama-cpp's prebuilt libllama) for Lathe's peer tests.
//
//   node llama-reference.mjs logits <model.gguf> <prompts.json> <greedy-prompt> <greedy-tokens>
//     prompts.json holds an array of strings. Prints one JSON object: for each prompt llama.cpp's token
//     ids (BOS first) and, for every position, the natural log of its full-vocabulary next-token
//     probabilities (llama.cpp exposes probabilities, not raw logits; log-softmax is the comparable
//     quantity), plus the greedy continuation of <greedy-prompt>.
//
//   node llama-reference.mjs perplexity <model.gguf> <tokens.json> <ctx> <max-windows> [--no-bos]
//     tokens.json holds the text's token ids (no specials) as the caller tokenized them: llama.cpp's
//     own sentencepiece emulation differs from libsentencepiece on runs of spaces, which sentencepiece
//     collapses, so the model math is compared on one token stream. Cuts non-overlapping windows
//     (BOS + ctx-1 text tokens by default, ctx text tokens with --no-bos), drops the tail, and prints the
//     mean NLL over the scored tokens of the first <max-windows> windows.
//
//   node llama-reference.mjs tokenize <model.gguf> <texts.json>
//     Loads only the vocabulary and prints, for each text, llama.cpp's ids with the specials its metadata adds
//     (BOS when tokenizer.ggml.add_bos_token says so; special-token text is not parsed).
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import fs from "node:fs";

const [mode, modelPath, ...rest] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
if (mode === "tokenize") {
    const vocab = await llama.loadModel({modelPath, vocabOnly: true});
    const texts = JSON.parse(fs.readFileSync(rest[0], "utf8"));
    const addBos = vocab.tokens.shouldPrependBosToken, addEos = vocab.tokens.shouldAppendEosToken;
    const ids = texts.map((text) => [
        ...(addBos ? [vocab.tokens.bos] : []), ...vocab.tokenize(text, false), ...(addEos ? [vocab.tokens.eos] : [])]);
    // A large write to a pipe completes asynchronously: wait for it before exiting.
    await new Promise((resolve) => process.stdout.write(JSON.stringify(ids), resolve));
    await vocab.dispose();
    await llama.dispose();
    process.exit(0);
}
const model = await llama.loadModel({modelPath});
// One thread: ggml's spinning thread barriers slow to a crawl when the machine is oversubscribed, and the
// model is far too small to gain from more. The KV cache is F32 (llama.cpp defaults to F16, which rounds
// keys and values to 11 bits and moves log-probabilities by up to 0.02 here), and flash attention off,
// so that llama.cpp computes the same fp32 function Lathe's float reference does.
const context = await model.createContext({
    contextSize: 512, batchSize: 512, sequences: 1, threads: 1, flashAttention: false,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
});
const sequence = context.getSequence();
const bos = model.tokens.bos;
// Plain softmax of the logits: temperature 1 and every truncating sampler stage disabled.
const rawOptions = {temperature: 1, topK: 0, topP: 1, minP: 0};

async function nextTokenLogProbs(tokens) {
    await sequence.clearHistory();
    const out = await sequence.controlledEvaluate(
        tokens.map((t) => [t, {generateNext: {probabilities: true, options: rawOptions}}]));
    return out.map((item) => {
        const logp = new Array(model.tokens.vocabularySize ?? item.next.probabilities.size);
        for (const [token, p] of item.next.probabilities) logp[token] = Math.log(p);
        return logp;
    });
}

if (mode === "logits") {
    const [promptsFile, greedyPrompt, greedyCount] = rest;
    const prompts = JSON.parse(fs.readFileSync(promptsFile, "utf8"));
    const result = {prompts: []};
    for (const text of prompts) {
        const tokens = [bos, ...model.tokenize(text, false)];
        result.prompts.push({text, tokens, logProbs: await nextTokenLogProbs(tokens)});
    }
    // Greedy decoding one token at a time on the sequence's KV cache, taking the argmax of llama.cpp's
    // distribution (lowest id on ties, as Lathe does).
    await sequence.clearHistory();
    const prompt = [bos, ...model.tokenize(greedyPrompt, false)];
    const generated = [];
    let pending = prompt;
    while (generated.length < Number(greedyCount)) {
        const out = await sequence.controlledEvaluate(pending.map((t, i) => i + 1 < pending.length
            ? t : [t, {generateNext: {probabilities: true, options: rawOptions}}]));
        let best = -1, bestP = -1;
        for (const [token, p] of out[pending.length - 1].next.probabilities)
            if (p > bestP || (p === bestP && token < best)) { best = token; bestP = p; }
        if (best === model.tokens.eos) break;
        generated.push(best);
        pending = [best];
    }
    result.greedy = {prompt: greedyPrompt, promptTokens: prompt, tokens: generated,
                     text: model.detokenize(generated)};
    process.stdout.write(JSON.stringify(result));
} else if (mode === "perplexity") {
    const [tokensFile, ctxText, maxWindowsText, flag] = rest;
    const ctx = Number(ctxText), maxWindows = Number(maxWindowsText), addBos = flag !== "--no-bos";
    const tokens = JSON.parse(fs.readFileSync(tokensFile, "utf8"));
    const span = addBos ? ctx - 1 : ctx;
    const windows = Math.min(Math.floor(tokens.length / span), maxWindows);
    let nll = 0, scored = 0;
    for (let w = 0; w < windows; ++w) {
        const text = tokens.slice(w * span, (w + 1) * span);
        const input = addBos ? [bos, ...text] : text;
        await sequence.clearHistory();
        const out = await sequence.controlledEvaluate(input.map((t, i) =>
            i + 1 < input.length ? [t, {generateNext: {probabilities: true, options: rawOptions}}] : t));
        for (let i = 0; i + 1 < input.length; ++i) {
            nll -= Math.log(out[i].next.probabilities.get(input[i + 1]));
            ++scored;
        }
    }
    process.stdout.write(JSON.stringify({textTokens: tokens.length, windows, scored, meanNll: nll / scored,
                                         perplexity: Math.exp(nll / scored)}));
} else {
    process.stderr.write("usage: llama-reference.mjs logits|perplexity ...\n");
    process.exit(2);
}
await context.dispose();
await model.dispose();
await llama.dispose();
