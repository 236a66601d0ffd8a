// Rollouts: pick an iteration and a group, then play an episode step by step — the rendered
// Crafter frame, the prompt the model read, the actions it sampled with their log-probabilities,
// reward and achievements, and the group's rewards and advantages.
import { api, ApiError, jobPath } from '../api.ts';
import { clear, fmtNum, h } from '../dom.ts';
// The shapes /studio/api serves, defined once with the server's normaliser; types only, so no
// server code enters the page bundle.
import type { Episode, EpisodeStep, RolloutIndex } from '../../rollouts.ts';
import type { Page } from '../page.ts';

/** Hands a recorded step to the playground page. */
export const PLAYGROUND_STEP_KEY = 'studio.playground.step';

function select(id: string, options: { value: string; label: string }[], value: string, onChange: (v: string) => void): HTMLSelectElement {
  const s = h('select', { id }, options.map((o) => h('option', { value: o.value }, o.label)));
  s.value = value;
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

function groupTable(ep: Episode, recorded: Set<number>, onPick: (index: number) => void): HTMLElement {
  const rows = ep.group_rewards.map((r, i) => h('tr', { class: i === ep.index ? 'current' : '', 'data-rollout': i },
    h('td', {}, recorded.has(i) ? h('button', { class: 'link', onclick: () => onPick(i) }, `#${i}`) : h('span', { class: 'muted', title: 'not recorded step by step' }, `#${i}`)),
    h('td', {}, fmtNum(r)),
    h('td', { class: (ep.group_advantages[i] ?? 0) >= 0 ? 'pos' : 'neg' }, fmtNum(ep.group_advantages[i] ?? null))));
  return h('section', { class: 'card', id: 'group' }, h('h3', {}, `Group ${ep.group} · rewards and advantages`),
    rows.length ? h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', {}, 'rollout'), h('th', {}, 'reward'), h('th', {}, 'advantage'))), h('tbody', {}, rows))
      : h('p', { class: 'muted' }, 'The record has no group rewards.'));
}

function actionTable(s: EpisodeStep): HTMLElement {
  let taken = false;
  return h('table', { class: 'compact', id: 'actions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'sampled action'), h('th', {}, 'logprob'), h('th', {}, 'p'))),
    h('tbody', {}, s.actions.map((a) => {
      const here = !taken && a.name === s.action;
      if (here) taken = true;
      return h('tr', { class: here ? 'current' : '' }, h('td', {}, h('code', {}, a.name), here ? h('span', { class: 'muted small' }, '  ← this step') : null),
        h('td', {}, fmtNum(a.logprob)), h('td', {}, a.logprob === null ? '—' : `${(100 * Math.exp(a.logprob)).toFixed(1)}%`));
    })));
}

function stepView(jobId: string, ep: Episode, k: number): HTMLElement {
  const s = ep.steps[k];
  const img = h('img', { src: `/studio/api${jobPath(jobId)}/rollouts/${ep.iteration}/${ep.group}/${ep.index}/frames/${k}`, alt: `Crafter world before step ${k}`, class: 'frame', id: 'frame', 'data-step': k });
  const frame = h('div', { class: 'card frame-card' }, img,
    h('div', { class: 'muted small' }, `seed ${ep.seed ?? '—'} · replayed by the backend from the recorded actions`));
  if (s === undefined) {
    return h('div', { class: 'episode-grid' }, frame, h('section', { class: 'card' }, h('h3', {}, 'End of episode'),
      h('p', {}, `reward ${fmtNum(ep.reward)}${ep.end_reason ? ` · ${ep.end_reason}` : ''}`)));
  }
  const toPlayground = h('button', { class: 'button', id: 'step-to-playground', onclick: () => {
    sessionStorage.setItem(PLAYGROUND_STEP_KEY, JSON.stringify({ observation: s.observation, from: `${jobId} · iteration ${ep.iteration} · group ${ep.group} · #${ep.index} · step ${k}` }));
    location.hash = '#/playground';
  } }, 'Ask a checkpoint about this step →');
  return h('div', { class: 'episode-grid' }, frame,
    h('div', { class: 'stack' },
      h('section', { class: 'card' }, h('h3', {}, `Step ${k} · decision ${s.decision}`),
        h('div', { class: 'kv' }, h('span', {}, 'action'), h('code', { id: 'step-action' }, s.action),
          h('span', {}, 'reward'), h('b', { id: 'step-reward' }, fmtNum(s.reward)),
          h('span', {}, 'unlocked'), h('span', { id: 'step-unlocked' }, s.unlocked.length ? s.unlocked.join(', ') : '—'),
          h('span', {}, 'achievements'), h('span', { id: 'step-achievements' }, s.achievements.length ? s.achievements.join(', ') : '—')),
        actionTable(s), h('div', { class: 'row', style: 'margin-top:10px' }, toPlayground)),
      h('details', { class: 'card' }, h('summary', {}, 'Observation (the task app\'s user message)'), h('pre', { class: 'prompt' }, s.observation)),
      h('details', { class: 'card', open: true }, h('summary', {}, 'Prompt the model read (decoded tokens)'), h('pre', { class: 'prompt', id: 'prompt' }, s.prompt))));
}

export const rolloutsPage: Page = async (main, params, parts) => {
  const jobId = parts[1] ?? '';
  let index: RolloutIndex;
  try {
    index = await api<RolloutIndex>(`${jobPath(jobId)}/rollouts`);
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
  const recordedIn = (iteration: number, group: number) =>
    new Set(index.iterations.find((x) => x.iteration === iteration)?.groups.find((g) => g.group === group)?.rollouts.map((r) => r.index) ?? []);
  const show = () => {
    if (episode === undefined) return;
    const ep = episode;
    const slider = h('input', { type: 'range', min: 0, max: Math.max(0, ep.frames - 1), value: state.step, id: 'step-slider' });
    slider.addEventListener('input', () => { state.step = Number(slider.value); show(); });
    const go = (d: number) => { state.step = Math.min(Math.max(0, state.step + d), Math.max(0, ep.frames - 1)); show(); };
    clear(view,
      h('div', { class: 'player card' }, h('button', { id: 'step-prev', onclick: () => go(-1), disabled: state.step === 0 }, '◀ prev'), slider,
        h('button', { id: 'step-next', onclick: () => go(1), disabled: state.step >= ep.frames - 1 }, 'next ▶'),
        h('span', { class: 'muted small', id: 'step-label' }, `frame ${state.step} of ${ep.frames - 1} · episode reward ${fmtNum(ep.reward)}`)),
      h('div', { class: 'two-col wide-left' }, stepView(jobId, ep, state.step), groupTable(ep, recordedIn(state.iteration, state.group), (i) => { state.index = i; void load(); })));
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
      h('label', {}, 'Iteration ', select('pick-iteration', index.iterations.map((x) => ({ value: String(x.iteration), label: `${x.iteration}${x.reward_mean === null ? '' : ` · mean reward ${fmtNum(x.reward_mean, 2)}`}` })), String(state.iteration),
        (v) => { state.iteration = Number(v); state.group = index.iterations.find((x) => x.iteration === state.iteration)?.groups[0]?.group ?? 0; state.index = [...recordedIn(state.iteration, state.group)][0] ?? 0; void load(); })),
      h('label', {}, 'Group ', select('pick-group', groups.map((g) => ({ value: String(g.group), label: `${g.group}${g.seed === null ? '' : ` (seed ${g.seed})`}` })), String(state.group),
        (v) => { state.group = Number(v); state.index = [...recordedIn(state.iteration, state.group)][0] ?? 0; void load(); })),
      h('label', {}, 'Rollout ', select('pick-rollout', (group?.rollouts ?? []).map((r) => ({ value: String(r.index), label: `#${r.index}${r.reward === null ? '' : ` · reward ${fmtNum(r.reward)}`}${r.advantage === null ? '' : ` · adv ${fmtNum(r.advantage, 2)}`}` })), String(state.index),
        (v) => { state.index = Number(v); void load(); })));
  };
  clear(main, head, pickers, view);
  const first = index.iterations.find((x) => x.iteration === state.iteration) ?? index.iterations.at(-1);
  state.iteration = first?.iteration ?? 0;
  if (!first?.groups.some((g) => g.group === state.group)) state.group = first?.groups[0]?.group ?? 0;
  if (!recordedIn(state.iteration, state.group).has(state.index)) state.index = [...recordedIn(state.iteration, state.group)][0] ?? 0;
  await load();
};
