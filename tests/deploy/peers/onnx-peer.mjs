// Runs Lathe's ONNX exports in the peers: ONNX Runtime (onnxruntime-node) and transformers.js.
//   node onnx-peer.mjs logits <folder> <ids.json> <out.f32> [opt-level]
//       ids.json: [[id, ...], ...] (one row per sequence, equal lengths). One full-sequence run; writes the logits
//       [batch, seq, vocab] as little-endian float32.
//   node onnx-peer.mjs decode <folder> <ids.json> <out.f32>
//       The first row fed one token at a time through past_key_values; writes every step's logits [seq, vocab].
//   node onnx-peer.mjs generate <folder> <prompt> <tokens>
//       transformers.js pipeline('text-generation') with greedy decoding; prints {"text", "ids"} as JSON.
// Prints one line of JSON; exits 1 with the error on stderr.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const [mode, folder, ...rest] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
// EXAONE 3.x names the layer count num_layers.
const layers = config.num_hidden_layers ?? config.num_layers, kvHeads = config.num_key_value_heads, headDim = config.head_dim;

async function session(level = 'all') {
  return ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'),
                                     {graphOptimizationLevel: level, intraOpNumThreads: 1, interOpNumThreads: 1});
}

function longs(rows) {
  const flat = BigInt64Array.from(rows.flat().map(BigInt));
  return new ort.Tensor('int64', flat, [rows.length, rows[0].length]);
}

function emptyPast(batch) {
  const feeds = {};
  for (let i = 0; i < layers; ++i)
    for (const part of ['key', 'value'])
      feeds[`past_key_values.${i}.${part}`] = new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
  return feeds;
}

async function run(s, ids, past, first) {
  const batch = ids.length, seq = ids[0].length, total = first + seq;
  const feeds = {
    input_ids: longs(ids),
    attention_mask: longs(ids.map(() => Array(total).fill(1))),
    position_ids: longs(ids.map(() => Array.from({length: seq}, (_, t) => first + t))),
    ...past,
  };
  return s.run(feeds);
}

function writeFloats(file, arrays) {
  const fd = fs.openSync(file, 'w');
  for (const a of arrays) fs.writeSync(fd, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  fs.closeSync(fd);
}

if (mode === 'logits') {
  const [idsFile, out, level] = rest;
  const ids = JSON.parse(fs.readFileSync(idsFile, 'utf8'));
  const s = await session(level ?? 'all');
  const result = await run(s, ids, emptyPast(ids.length), 0);
  writeFloats(out, [result.logits.data]);
  console.log(JSON.stringify({dims: result.logits.dims, inputs: s.inputNames.length, outputs: s.outputNames.length}));
} else if (mode === 'decode') {
  const [idsFile, out] = rest;
  const ids = JSON.parse(fs.readFileSync(idsFile, 'utf8'))[0];
  const s = await session();
  let past = emptyPast(1);
  const steps = [];
  for (let t = 0; t < ids.length; ++t) {
    const result = await run(s, [[ids[t]]], past, t);
    steps.push(result.logits.data);
    past = {};
    for (let i = 0; i < layers; ++i)
      for (const part of ['key', 'value']) past[`past_key_values.${i}.${part}`] = result[`present.${i}.${part}`];
  }
  writeFloats(out, steps);
  console.log(JSON.stringify({steps: steps.length, past: past['past_key_values.0.key'].dims}));
} else if (mode === 'generate') {
  const [prompt, tokens] = rest;
  const {pipeline, env} = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(path.resolve(folder));
  const generator = await pipeline('text-generation', path.basename(path.resolve(folder)),
                                   {dtype: 'fp32', device: 'cpu', session_options: {intraOpNumThreads: 1}});
  const output = await generator(prompt, {max_new_tokens: Number(tokens), do_sample: false, return_full_text: true});
  const ids = generator.tokenizer.encode(output[0].generated_text, {add_special_tokens: false});
  console.log(JSON.stringify({text: output[0].generated_text, ids}));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(1);
}
