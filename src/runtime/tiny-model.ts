// The tiny self-test model, embedded in the binary as files and materialised into a folder
// on demand (ONNX Runtime reads models from real paths, not from /$bunfs/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import configJson from '../../fixtures/models/tiny-gpt2/config.json';
import generationConfigJson from '../../fixtures/models/tiny-gpt2/generation_config.json';
import tokenizerJson from '../../fixtures/models/tiny-gpt2/tokenizer.json';
import tokenizerConfigJson from '../../fixtures/models/tiny-gpt2/tokenizer_config.json';
import modelOnnx from '../../fixtures/models/tiny-gpt2/onnx/model.onnx' with { type: 'file' };

export const TINY_MODEL_NAME = 'tiny-gpt2';
/** The tiny model counts: greedy generation after "three" must give exactly this. */
export const TINY_PROMPT = 'three';
export const TINY_EXPECTED = 'three four five six seven eight';

// The JSON files are bundled as data and written back in the generator's format.
const JSON_FILES: Record<string, unknown> = {
  'config.json': configJson,
  'generation_config.json': generationConfigJson,
  'tokenizer.json': tokenizerJson,
  'tokenizer_config.json': tokenizerConfigJson,
};

/** Writes the model into `<root>/tiny-gpt2/` and returns `root` (the localModelPath). */
export async function materializeTinyModel(root: string): Promise<string> {
  const dir = join(root, TINY_MODEL_NAME);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const [rel, value] of Object.entries(JSON_FILES)) writeFileSync(join(dir, rel), `${JSON.stringify(value, null, 2)}\n`);
  writeFileSync(join(dir, 'onnx/model.onnx'), new Uint8Array(await Bun.file(modelOnnx).arrayBuffer()));
  return root;
}
