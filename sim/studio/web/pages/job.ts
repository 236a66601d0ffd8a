// One job: live curves over SSE, the event log, the effective config, the checkpoints.
import { api, jobPath, type Job, type JobEvent, type MetricPoint } from '../api.ts';
import { LineChart, PALETTE, type LineSpec } from '../charts.ts';
import { clear, fmtNum, fmtTime, h, statusPill } from '../dom.ts';
import type { Page } from '../page.ts';
import { MetricStore } from '../metrics.ts';
import { duration, modelCell, progressBar } from './jobs.ts';

interface ChartDef { id: string; title: string; lines: { metric: string; std?: string; label: string }[] }

export const JOB_CHARTS: ChartDef[] = [
  { id: 'reward', title: 'Reward (mean ± std)', lines: [
    { metric: 'train.reward_mean', std: 'train.reward_std', label: 'train' },
    { metric: 'eval.reward_mean', std: 'eval.reward_std', label: 'eval' },
  ] },
  { id: 'kl', title: 'KL to reference', lines: [{ metric: 'train.kl', label: 'kl' }] },
  { id: 'entropy', title: 'Entropy', lines: [{ metric: 'train.entropy', label: 'entropy' }] },
  { id: 'policy_loss', title: 'Policy loss', lines: [{ metric: 'train.policy_loss', label: 'loss' }] },
  { id: 'grad_norm', title: 'Grad norm', lines: [{ metric: 'train.grad_norm', label: 'grad norm' }] },
  { id: 'clip_ratio', title: 'Clip ratio', lines: [{ metric: 'train.clip_ratio', label: 'clip ratio' }] },
  { id: 'tokens_per_s', title: 'Tokens / s', lines: [{ metric: 'train.tokens_per_s', label: 'tokens/s' }] },
  { id: 'rollouts_per_s', title: 'Rollouts / s', lines: [{ metric: 'train.rollouts_per_s', label: 'rollouts/s' }] },
  { id: 'step_seconds', title: 'Step seconds', lines: [{ metric: 'train.step_seconds', label: 'seconds' }] },
];

export function linesFor(def: ChartDef, store: MetricStore): LineSpec[] {
  return def.lines.map((l, i) => ({
    label: l.label, color: PALETTE[i] as string, data: store.series(l.metric), ...(l.std !== undefined && { std: store.series(l.std) }),
  }));
}

function eventLog(): { el: HTMLElement; add: (e: JobEvent) => void } {
  const list = h('ol', { class: 'events', id: 'event-log' });
  const filter = h('input', { type: 'search', placeholder: 'filter events (type or text)', id: 'event-filter' });
  const level = h('select', { id: 'event-level' }, h('option', { value: '' }, 'all levels'), h('option', { value: 'info' }, 'info'),
    h('option', { value: 'warning' }, 'warning'), h('option', { value: 'error' }, 'error'));
  const seen = new Set<number>();
  const apply = (li: HTMLElement) => {
    const text = filter.value.trim().toLowerCase();
    li.hidden = (level.value !== '' && li.dataset.level !== level.value) || (text !== '' && !(li.dataset.text ?? '').includes(text));
  };
  const refilter = () => { for (const li of list.children) apply(li as HTMLElement); };
  filter.addEventListener('input', refilter);
  level.addEventListener('change', refilter);
  const add = (e: JobEvent) => {
    if (seen.has(e.seq)) return;
    seen.add(e.seq);
    const li = h('li', { class: `lvl-${e.level}`, 'data-level': e.level, 'data-text': `${e.type} ${e.message}`.toLowerCase() },
      h('span', { class: 'seq' }, `#${e.seq}`), h('span', { class: 'etype' }, e.type), h('span', { class: 'emsg' }, e.message));
    apply(li);
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    list.append(li);
    if (atBottom) list.scrollTop = list.scrollHeight;
  };
  const el = h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h3', {}, 'Events'), h('div', { class: 'filters' }, filter, level)), list);
  return { el, add };
}

async function checkpoints(jobId: string, job: Job): Promise<HTMLElement> {
  const { artifacts } = await api<{ artifacts: Record<string, unknown>[] }>(`${jobPath(jobId)}/artifacts`).catch(() => ({ artifacts: [] }));
  const rows = artifacts.map((a) => {
    const label = String(a.label ?? a.id ?? '');
    const model = job.fine_tuned_model ? job.fine_tuned_model.replace(/checkpoint-[\w-]+$/, label) : undefined;
    const size = typeof a.size_bytes === 'number' ? `${(a.size_bytes / 1024).toFixed(0)} KiB` : '—';
    return h('tr', {}, h('td', {}, h('code', {}, label)), h('td', { class: 'small' }, size), h('td', { class: 'small' }, fmtTime(String(a.created_at ?? ''))),
      h('td', {}, model && job.status === 'succeeded' ? h('a', { href: `#/playground?model=${encodeURIComponent(model)}` }, 'playground →') : ''));
  });
  return h('section', { class: 'card', id: 'checkpoints' }, h('h3', {}, 'Checkpoints'),
    rows.length ? h('table', { class: 'compact' }, h('thead', {}, h('tr', {}, h('th', {}, 'label'), h('th', {}, 'size'), h('th', {}, 'created'), h('th', {}, ''))), h('tbody', {}, rows))
      : h('p', { class: 'muted' }, 'No checkpoints yet.'));
}

function header(job: Job, standIn: HTMLElement): HTMLElement {
  return h('div', { class: 'card meta', id: 'job-meta' },
    h('div', {}, h('label', {}, 'Status'), statusPill(job.status)),
    h('div', {}, h('label', {}, 'Model'), modelCell(job), standIn),
    h('div', {}, h('label', {}, 'Progress'), progressBar(job)),
    h('div', {}, h('label', {}, 'Started'), fmtTime(job.started_at ?? job.created_at)),
    h('div', {}, h('label', {}, 'Duration'), duration(job)),
    h('div', {}, h('label', {}, 'Outcome'), job.error ? h('span', { class: 'error' }, job.error) : job.fine_tuned_model ? h('code', {}, job.fine_tuned_model) : '—'));
}

export const jobPage: Page = async (main, _params, parts) => {
  const id = parts[1] ?? '';
  let job = await api<Job>(jobPath(id));
  const store = new MetricStore();
  const charts = JOB_CHARTS.map((d) => ({ def: d, chart: new LineChart(d.title, d.id) }));
  const log = eventLog();
  const standIn = h('div', { class: 'muted small', id: 'stand-in' });
  const metaSlot = h('div');
  const latest = h('div', { class: 'latest muted small', id: 'latest' });
  const renderMeta = () => clear(metaSlot, header(job, standIn));
  renderMeta();
  const ckptSlot = h('div', {}, await checkpoints(id, job));
  const refreshCheckpoints = () => void checkpoints(id, job).then((el) => clear(ckptSlot, el), () => {});
  const side = h('div', { class: 'stack' }, ckptSlot,
    h('section', { class: 'card' }, h('h3', {}, 'Effective config'), h('pre', { class: 'config', id: 'config' }, JSON.stringify(job.config ?? {}, null, 2))));
  clear(main,
    h('div', { class: 'page-head' }, h('h1', {}, h('a', { href: '#/jobs', class: 'muted' }, 'Jobs'), ' / ', h('span', { id: 'job-id' }, id)),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: `#/job/${encodeURIComponent(id)}/rollouts` }, 'Rollouts'),
        h('a', { class: 'button', href: `#/compare?ids=${encodeURIComponent(id)}` }, 'Compare'))),
    metaSlot, latest,
    h('div', { class: 'charts' }, charts.map((c) => c.chart.el)),
    h('div', { class: 'two-col' }, log.el, side));
  const redraw = (names: Set<string>) => {
    const touched = charts.filter((c) => c.def.lines.some((l) => names.has(l.metric) || (l.std !== undefined && names.has(l.std))));
    for (const c of touched) c.chart.update(linesFor(c.def, store));
    store.noteShown(names);
    const r = store.series('train.reward_mean');
    latest.textContent = r[0].length ? `iteration ${r[0].at(-1)} · train reward ${fmtNum(r[1].at(-1))}` : '';
  };
  store.onChange(redraw);
  for (const c of charts) c.chart.update([]);
  const source = new EventSource(`/studio/api${jobPath(id)}/live`);
  source.addEventListener('metric', (ev) => store.add([JSON.parse((ev as MessageEvent<string>).data) as MetricPoint]));
  source.addEventListener('job_event', (ev) => {
    const e = JSON.parse((ev as MessageEvent<string>).data) as JobEvent;
    log.add(e);
    const described = e.type === 'rl.train.started' ? e.data.simulated_model : undefined;
    if (typeof described === 'string') standIn.textContent = `simulated by ${described}`;
    if (/checkpoint|artifact/.test(e.type)) refreshCheckpoints();
  });
  source.addEventListener('status', (ev) => {
    job = { ...job, ...(JSON.parse((ev as MessageEvent<string>).data) as { job: Job }).job, config: job.config };
    renderMeta();
  });
  source.addEventListener('end', () => {
    source.close();
    void api<Job>(jobPath(id)).then((j) => { job = j; renderMeta(); refreshCheckpoints(); }, () => {});
  });
  const onResize = () => { for (const c of charts) c.chart.resize(); };
  window.addEventListener('resize', onResize);
  return () => { source.close(); window.removeEventListener('resize', onResize); };
};
