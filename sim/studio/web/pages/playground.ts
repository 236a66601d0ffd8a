// Playground: send an observation, or a recorded step, to a checkpoint and see which action it
// picks and how its first action is distributed over repeated samples (the `infer` path: the
// backend's chat completions with logprobs).
import { api, type Job } from '../api.ts';
import { clear, fmtNum, h } from '../dom.ts';
import type { Page } from '../page.ts';
import { PLAYGROUND_STEP_KEY } from './rollouts.ts';

interface Sample { actions: string[]; logprobs: number[]; reasoning: string }
interface Answer { model: string; temperature: number; choice: Sample | undefined; distribution: { action: string; count: number; share: number; logprob: number | null }[]; samples: Sample[] }

const EXAMPLE = 'You see: grass (left), tree (up 1), water (right 2).\nInventory: empty.\nAchievements so far: none.';

function result(a: Answer): HTMLElement {
  const c = a.choice;
  return h('div', { class: 'stack', id: 'playground-result' },
    h('section', { class: 'card' }, h('h3', {}, 'Choice (greedy)'),
      c ? h('div', {}, h('div', { class: 'chips', id: 'choice' }, c.actions.map((x, i) => h('span', { class: 'chip' }, x, h('small', {}, ` ${fmtNum(c.logprobs[i] ?? null)}`)))),
        c.reasoning ? h('p', { class: 'muted small' }, c.reasoning) : null) : h('p', { class: 'muted' }, 'no action returned')),
    h('section', { class: 'card' }, h('h3', {}, `First action over ${a.samples.length} samples at temperature ${a.temperature}`),
      h('div', { class: 'dist', id: 'distribution' }, a.distribution.map((d) => h('div', { class: 'dist-row' },
        h('code', {}, d.action), h('div', { class: 'bar' }, h('span', { style: `width:${(100 * d.share).toFixed(1)}%` })),
        h('span', { class: 'small share' }, `${(100 * d.share).toFixed(0)}%`), h('span', { class: 'muted small' }, d.logprob === null ? '' : `logp ${fmtNum(d.logprob)}`))))));
}

export const playgroundPage: Page = async (main, params) => {
  const { jobs } = await api<{ jobs: Job[] }>('/jobs').catch(() => ({ jobs: [] as Job[] }));
  const models = jobs.filter((j) => j.status === 'succeeded' && j.fine_tuned_model).map((j) => j.fine_tuned_model as string);
  const wanted = params.get('model') ?? models[0] ?? '';
  const list = h('datalist', { id: 'models' }, models.map((m) => h('option', { value: m })));
  const model = h('input', { id: 'pg-model', list: 'models', value: wanted, placeholder: 'rl:…:checkpoint-… or a base model', spellcheck: 'false' });
  const saved = sessionStorage.getItem(PLAYGROUND_STEP_KEY);
  sessionStorage.removeItem(PLAYGROUND_STEP_KEY);
  const step = saved ? (JSON.parse(saved) as { observation: string; from: string }) : undefined;
  const obs = h('textarea', { id: 'pg-observation', rows: 12, spellcheck: 'false' });
  obs.value = step?.observation ?? EXAMPLE;
  const samples = h('input', { id: 'pg-samples', type: 'number', min: 1, max: 32, value: 12 });
  const temp = h('input', { id: 'pg-temperature', type: 'number', min: 0, max: 2, step: 0.1, value: 1 });
  const out = h('div', { id: 'pg-out' });
  const err = h('p', { class: 'error', id: 'pg-error' });
  const ask = h('button', { class: 'primary', id: 'pg-ask', type: 'submit' }, 'Ask the checkpoint');
  const form = h('form', { class: 'card stack' },
    h('label', { for: 'pg-model' }, 'Model'), model, list,
    h('label', { for: 'pg-observation' }, step ? `Observation (recorded step: ${step.from})` : 'Observation'), obs,
    h('div', { class: 'row' }, h('label', {}, 'Samples ', samples), h('label', {}, 'Temperature ', temp), ask), err);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ask.disabled = true;
    err.textContent = '';
    clear(out, h('p', { class: 'muted' }, 'Sampling…'));
    api<Answer>('/playground', { json: { model: model.value.trim(), observation: obs.value, samples: Number(samples.value), temperature: Number(temp.value) } })
      .then((a) => clear(out, result(a)), (e: unknown) => { clear(out); err.textContent = (e as Error).message; })
      .finally(() => { ask.disabled = false; });
  });
  clear(main, h('div', { class: 'page-head' }, h('h1', {}, 'Playground')),
    h('p', { class: 'muted' }, 'Send an observation to a checkpoint: it answers the way it does in a rollout (the interact tool), sampled repeatedly to show its action distribution.'),
    h('div', { class: 'two-col' }, form, out));
};
