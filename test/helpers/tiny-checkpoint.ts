// A trained-policy checkpoint tarball of a tiny GPT (random weights, fixed seed), as the simulated
// trainer writes it: what `infer --weights` and the checkpoint runtime load.
import { GPT } from '../../sim/model/gpt.ts';
import { PolicyTokenizer } from '../../sim/policy/tokenizer.ts';
import { CHECKPOINT_FORMAT, checkpointFiles, writeCheckpoint } from '../../sim/trainer/checkpoint.ts';

export async function writeTinyCheckpoint(dir: string): Promise<string> {
  const tok = await PolicyTokenizer.builtin();
  const model = { vocabSize: tok.vocabSize, maxSeqLen: 96, nLayer: 1, nHead: 2, dModel: 16 };
  const gpt = new GPT(model, { seed: 2 });
  const n = gpt.numParams;
  return writeCheckpoint(dir, 'checkpoint-epoch-1', checkpointFiles({
    format: CHECKPOINT_FORMAT, job_id: 'job_00000000000000000aa', base_model: 'Qwen/Qwen3-0.6B', simulated_model: 'gpt2-tiny', epoch: 1, iteration: 1,
    model, adam_t: 0, created_at: new Date().toISOString(),
  }, { params: gpt.params, adamM: new Float32Array(n), adamV: new Float32Array(n), adamT: 0 }, { bos: tok.bosId, eos: tok.endId, pad: tok.padId }, [...tok.actionIds, tok.endId], 2)).path;
}
