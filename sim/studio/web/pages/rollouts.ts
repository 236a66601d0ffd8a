// Rollouts: pick an iteration and a group, then play an episode step by step — the rendered
// Crafter frame, the prompt the model read, the actions it sampled with their log-probabilities,
// reward and achievements, and the group's rewards and advantages.
import { api, ApiError, jobPath } from '../api.ts';
import { clear, fmtNum, h } from '../dom.ts';
import type { Page } from '../main.ts';

interface Ref { iteration: number; group: number; index: number; reward: number | null; seed: number | null }
interface Index { iterations: { iteration: number; groups: { group: number; seed: number | null; rollouts: Ref[] }[] }[] }
interface Step {
  observation: string;
  prompt: { role: string; content: string }[];
  actions: { name: string; logprob: number | null }[];
  reward: number;
  achievements: string[];
  frame: string | null;
}
interface Episode {
  iteration: number; group: number; index: number; seed: number | null; total_reward: number;
  steps: Step[]; group_rewards: number[]; group_advantages: number[];
}

/** Hands a recorded step to the playground page. */
export const PLAYGROUND_STEP_KEY = 'studio.playground.step';

function select(id: string, options: { value: string; label: string }[], value: string, onChange: (v: string) => void): HTMLSelectElement {
  const s = h('select', { id }, options.map((o) => h('option', { value: o.value }, o.label)));
  s.value = value;
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

function groupTable(ep: Episode, onPick: (index: number) => void): HTMLElement {
  const rows = ep.group_rewards.map((r, i) => h('tr', { class: i === ep.index ? 'current' : '', 'data-rollout': i },
    h('td', {}, h('button', { class: 'link', onclick: () => onPick(i) }, `#${i}`)), h('td', {}, fmtNum(r)),
    h('td', { class: (ep.group_advantages[i] ?? 0) >= 0 ? 'pos' : 'neg' }, fmtNum(ep.group_advantages[i] ?? null))));
  return h('section', { class: 'card', id: 'group' }, h('h3', {}, `Group ${ep.group} · rewards and advantages`),
    rows.length ? h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', {}, 'rollout'), h('th', {}, 'reward'), h('th', {}, 'advantage'))), h('tbody', {}, rows))
      : h('p', { class: 'muted' }, 'The record has no group rewards.'));
}

function stepView(jobId: string, ep: Episode, k: number): HTMLElement {
  const s = ep.steps[k];
  const base = `/studio/api${jobPath(jobId)}/rollouts/${ep.iteration}/${ep.group}/${ep.index}`;
  const frame = s?.frame ?? `${base}/frames/${k}`;
  const img = h('img', { src: frame, alt: `Crafter frame before step ${k + 1}`, class: 'frame', id: 'frame', 'data-step': k });
  if (s === undefined) return h('div', {}, img);
  const actions = h('table', { class: 'compact', id: 'actions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'action'), h('th', {}, 'logprob'), h('th', {}, 'p'))),
    h('tbody', {}, s.actions.map((a) => h('tr', {}, h('td', {}, h('code', {}, a.name)), h('td', {}, fmtNum(a.logprob)),
      h('td', {}, a.logprob === null ? '—' : `${(100 * Math.exp(a.logprob)).toFixed(1)}%`)))));
  const toPlayground = h('button', { class: 'button', id: 'step-to-playground', onclick: () => {
    sessionStorage.setItem(PLAYGROUND_STEP_KEY, JSON.stringify({ messages: s.prompt, observation: s.observation, from: `${jobId} it ${ep.iteration} g ${ep.group} #${ep.index} step ${k + 1}` }));
    location.hash = '#/playground';
  } }, 'Ask a checkpoint about this step →');
  return h('div', { class: 'episode-grid' },
    h('div', { class: 'card frame-card' }, img, h('div', { class: 'muted small' }, ep.seed === null ? 'frame from the record' : `seed ${ep.seed} · replayed on the toy Crafter grid`)),
    h('div', { class: 'stack' },
      h('section', { class: 'card' }, h('h3', {}, `Step ${k + 1} of ${ep.steps.length}`),
        h('div', { class: 'kv' }, h('span', {}, 'reward'), h('b', { id: 'step-reward' }, fmtNum(s.reward)),
          h('span', {}, 'achievements'), h('span', { id: 'step-achievements' }, s.achievements.length ? s.achievements.join(', ') : '—')),
        actions, toPlayground),
      h('details', { class: 'card', open: true }, h('summary', {}, 'Prompt the model read'),
        s.prompt.map((m) => h('div', { class: 'msg' }, h('span', { class: 'role' }, m.role), h('pre', {}, m.content))))));
}

export const rolloutsPage: Page = async (main, params, parts) => {
  const jobId = parts[1] ?? '';
  let index: Index;
  try {
    index = await api<Index>(`${jobPath(jobId)}/rollouts`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    index = { iterations: [] };
  }
  const head = h('div', { class: 'page-head' }, h('h1', {}, h('a', { href: '#/jobs', class: 'muted' }, 'Jobs'), ' / ',
    h('a', { href: `#/job/${encodeURIComponent(jobId)}`, class: 'muted' }, jobId), ' / rollouts'));
  if (index.iterations.length === 0) {
    clear(main, head, h('div', { class: 'card' }, h('p', { class: 'muted', id: 'no-rollouts' }, 'No rollouts recorded for this job yet.')));
    return;
  }
  const view = h('div', { id: 'episode' });
  const pickers = h('div', { class: 'pickers card' });
  const state = {
    iteration: Number(params.get('iteration') ?? index.iterations.at(-1)?.iteration ?? 0),
    group: Number(params.get('group') ?? 0),
    index: Number(params.get('index') ?? 0),
    step: 0,
  };
  let episode: Episode | undefined;
  const show = () => {
    if (episode === undefined) return;
    const ep = episode;
    const slider = h('input', { type: 'range', min: 0, max: Math.max(0, ep.steps.length - 1), value: state.step, id: 'step-slider' });
    slider.addEventListener('input', () => { state.step = Number(slider.value); show(); });
    const go = (d: number) => { state.step = Math.min(Math.max(0, state.step + d), Math.max(0, ep.steps.length - 1)); show(); };
    clear(view,
      h('div', { class: 'player card' }, h('button', { id: 'step-prev', onclick: () => go(-1), disabled: state.step === 0 }, '◀ prev'), slider,
        h('button', { id: 'step-next', onclick: () => go(1), disabled: state.step >= ep.steps.length - 1 }, 'next ▶'),
        h('span', { class: 'muted small' }, `episode reward ${fmtNum(ep.total_reward)}`)),
      h('div', { class: 'two-col wide-left' }, stepView(jobId, ep, state.step), groupTable(ep, (i) => { state.index = i; void load(); })));
  };
  const load = async () => {
    state.step = 0;
    episode = await api<Episode>(`${jobPath(jobId)}/rollouts/${state.iteration}/${state.group}/${state.index}`);
    renderPickers();
    show();
  };
  const renderPickers = () => {
    const it = index.iterations.find((x) => x.iteration === state.iteration) ?? index.iterations[0];
    const groups = it?.groups ?? [];
    const group = groups.find((g) => g.group === state.group) ?? groups[0];
    clear(pickers,
      h('label', {}, 'Iteration ', select('pick-iteration', index.iterations.map((x) => ({ value: String(x.iteration), label: String(x.iteration) })), String(state.iteration),
        (v) => { state.iteration = Number(v); state.group = index.iterations.find((x) => x.iteration === state.iteration)?.groups[0]?.group ?? 0; state.index = 0; void load(); })),
      h('label', {}, 'Group ', select('pick-group', groups.map((g) => ({ value: String(g.group), label: `${g.group}${g.seed === null ? '' : ` (seed ${g.seed})`}` })), String(state.group),
        (v) => { state.group = Number(v); state.index = 0; void load(); })),
      h('label', {}, 'Rollout ', select('pick-rollout', (group?.rollouts ?? []).map((r) => ({ value: String(r.index), label: `#${r.index}${r.reward === null ? '' : ` · reward ${fmtNum(r.reward)}`}` })), String(state.index),
        (v) => { state.index = Number(v); void load(); })));
  };
  clear(main, head, pickers, view);
  const first = index.iterations.find((x) => x.iteration === state.iteration) ?? index.iterations.at(-1);
  state.iteration = first?.iteration ?? 0;
  if (!first?.groups.some((g) => g.group === state.group)) state.group = first?.groups[0]?.group ?? 0;
  await load();
};
