// A fixed small WasmGPT forward whose log-probabilities the wasm binary test compares.
import { WasmGPT } from '../../sim/model/wasm/model.ts';

export function probeForward(): number[] {
  const model = new WasmGPT({ vocabSize: 17, maxSeqLen: 12, nLayer: 2, nHead: 2, dModel: 12 }, { seed: 4 });
  const tokens = Int32Array.from({ length: 2 * 9 }, (_, i) => (i * 7) % 17);
  const pos = Int32Array.from([3, 8, 12, 17]);
  const targets = Int32Array.from([1, 5, 16, 0]);
  return Array.from(model.forward(tokens, 2, 9, pos, targets).logprobs);
}
