// Compare: the curves of two or more jobs overlaid, one colour per job.
import { api, jobPath, type Job, type MetricPoint } from '../api.ts';
import { LineChart, PALETTE } from '../charts.ts';
import { clear, h } from '../dom.ts';
import type { Page } from '../page.ts';
import { MetricStore } from '../metrics.ts';

const COMPARED = [
  { id: 'train.reward_mean', title: 'Train reward (mean)' },
  { id: 'eval.reward_mean', title: 'Eval reward (mean)' },
  { id: 'train.kl', title: 'KL to reference' },
  { id: 'train.entropy', title: 'Entropy' },
  { id: 'train.policy_loss', title: 'Policy loss' },
  { id: 'train.grad_norm', title: 'Grad norm' },
];

export const comparePage: Page = async (main, params) => {
  const { jobs } = await api<{ jobs: Job[] }>('/jobs');
  const chosen = new Set((params.get('ids') ?? '').split(',').filter(Boolean));
  const picker = h('div', { class: 'card pick-jobs' }, h('h3', {}, 'Jobs'), jobs.map((j) => {
    const box = h('input', { type: 'checkbox', 'data-compare': j.id });
    box.checked = chosen.has(j.id);
    box.addEventListener('change', () => {
      if (box.checked) chosen.add(j.id); else chosen.delete(j.id);
      location.hash = `#/compare?ids=${[...chosen].map(encodeURIComponent).join(',')}`;
    });
    return h('label', { class: 'pick' }, box, h('code', {}, j.id), h('span', { class: 'muted small' }, ` ${j.status}`));
  }));
  const ids = [...chosen];
  const charts = COMPARED.map((c) => new LineChart(c.title, `cmp-${c.id}`));
  clear(main, h('div', { class: 'page-head' }, h('h1', {}, 'Compare')),
    h('div', { class: 'compare-grid' }, picker, ids.length < 2 ? h('p', { class: 'muted card' }, 'Pick two or more jobs to overlay their curves.') : h('div', { class: 'charts two', id: 'compare-charts' }, charts.map((c) => c.el))));
  if (ids.length < 2) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const load = async () => {
    const stores = await Promise.all(ids.map(async (id) => {
      const s = new MetricStore();
      s.add((await api<{ points: MetricPoint[] }>(`${jobPath(id)}/metrics`)).points);
      return s;
    }));
    COMPARED.forEach((c, k) => (charts[k] as LineChart).update(ids.map((id, i) => ({ label: id, color: PALETTE[i % PALETTE.length] as string, data: (stores[i] as MetricStore).series(c.id) }))));
    const running = jobs.some((j) => chosen.has(j.id) && !['succeeded', 'failed', 'cancelled'].includes(j.status));
    if (running && !stopped) timer = setTimeout(() => void load().catch(() => {}), 3000);
  };
  await load();
  return () => { stopped = true; clearTimeout(timer); };
};
