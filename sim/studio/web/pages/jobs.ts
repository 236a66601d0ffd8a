// Jobs: every job this key may see, newest first, refreshed while any is active.
import { api, type Job } from '../api.ts';
import { clear, fmtDuration, fmtTime, h, sparkline, statusPill } from '../dom.ts';
import type { Page } from '../page.ts';

const ACTIVE = new Set(['queued', 'pending', 'initializing', 'running', 'training', 'evaluating', 'validating', 'created']);

export function isActive(job: Job): boolean {
  return ACTIVE.has(job.status);
}

export function duration(job: Job): string {
  if (!job.started_at) return '—';
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return fmtDuration(end - Date.parse(job.started_at));
}

export function progressBar(job: Job): HTMLElement {
  const p = job.progress ?? {};
  const total = p.total_iterations ?? 0;
  const done = p.iteration ?? 0;
  const pct = typeof p.percent === 'number' ? p.percent : total > 0 ? (100 * done) / total : job.status === 'succeeded' ? 100 : 0;
  return h('div', { class: 'progress', title: `${pct.toFixed(0)}%` },
    h('div', { class: 'bar' }, h('span', { style: `width:${Math.min(100, pct).toFixed(1)}%` })),
    h('span', { class: 'muted small' }, total > 0 ? `${done}/${total}` : `${pct.toFixed(0)}%`));
}

export function modelCell(job: Job): HTMLElement {
  const standIn = job.simulated ? (job.trainer === 'grpo' ? 'small GPT stand-in (grpo)' : `scripted stand-in (${job.trainer ?? 'replay'})`) : null;
  return h('div', {}, h('div', { class: 'model-name' }, job.model ?? '—'), standIn ? h('div', { class: 'muted small' }, standIn) : null);
}

function outcome(job: Job): HTMLElement | string {
  if (job.error) return h('span', { class: 'error small', title: job.error }, job.error.length > 60 ? `${job.error.slice(0, 60)}…` : job.error);
  if (job.fine_tuned_model) return h('code', { class: 'small' }, job.fine_tuned_model);
  return h('span', { class: 'muted' }, isActive(job) ? 'running…' : '—');
}

function row(job: Job, selected: Set<string>): HTMLTableRowElement {
  const box = h('input', { type: 'checkbox', 'aria-label': `select ${job.id}`, 'data-select': job.id });
  box.checked = selected.has(job.id);
  box.addEventListener('change', () => { if (box.checked) selected.add(job.id); else selected.delete(job.id); });
  return h('tr', { 'data-job': job.id },
    h('td', {}, box),
    h('td', {}, h('a', { href: `#/job/${encodeURIComponent(job.id)}` }, job.id)),
    h('td', {}, statusPill(job.status)),
    h('td', {}, modelCell(job)),
    h('td', {}, progressBar(job)),
    h('td', {}, sparkline(job.reward_trend ?? [])),
    h('td', { class: 'small' }, fmtTime(job.started_at ?? job.created_at)),
    h('td', { class: 'small' }, duration(job)),
    h('td', {}, outcome(job)));
}

export const jobsPage: Page = async (main) => {
  const selected = new Set<string>();
  const tbody = h('tbody');
  const compare = h('button', { class: 'primary', id: 'compare-selected', onclick: () => {
    if (selected.size >= 2) location.hash = `#/compare?ids=${[...selected].map(encodeURIComponent).join(',')}`;
  } }, 'Compare selected');
  const table = h('table', { class: 'jobs' },
    h('thead', {}, h('tr', {}, ...['', 'Job', 'Status', 'Model', 'Progress', 'Train reward', 'Started', 'Duration', 'Outcome'].map((t) => h('th', {}, t)))), tbody);
  const note = h('p', { class: 'muted small' });
  const byId = h('input', { id: 'open-job', placeholder: 'job_…', spellcheck: 'false', 'aria-label': 'job id' });
  const open = h('form', { class: 'row' }, byId, h('button', { type: 'submit' }, 'Open job'));
  open.addEventListener('submit', (ev) => { ev.preventDefault(); if (byId.value.trim()) location.hash = `#/job/${encodeURIComponent(byId.value.trim())}`; });
  clear(main, h('div', { class: 'page-head' }, h('h1', {}, 'Jobs'), h('div', { class: 'actions' }, open, compare)), h('div', { class: 'card flush' }, table), note);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const load = async () => {
    const { jobs, listing } = await api<{ jobs: Job[]; listing?: boolean }>('/jobs');
    const none = listing === false ? 'This backend does not list jobs: open one by its id above.' : 'No jobs yet. Start one with synth-rl run --config-path … (or synth-rl demo).';
    clear(tbody, jobs.length ? jobs.map((j) => row(j, selected)) : h('tr', {}, h('td', { colspan: 9, class: 'muted empty' }, none)));
    note.textContent = `${jobs.length} job(s) · select two or more to compare`;
    if (!stopped) timer = setTimeout(() => void load().catch(() => {}), jobs.some(isActive) ? 2000 : 10_000);
  };
  await load();
  return () => { stopped = true; clearTimeout(timer); };
};
