// The Studio page: a hash router over five views, behind a one-time sign-in. Everything it shows
// comes from same-origin /studio/api calls; no CDN, no network beyond this origin.
import { api, ApiError } from './api.ts';
import { clear, h } from './dom.ts';
import { jobsPage } from './pages/jobs.ts';
import { jobPage } from './pages/job.ts';
import { rolloutsPage } from './pages/rollouts.ts';
import { playgroundPage } from './pages/playground.ts';
import { comparePage } from './pages/compare.ts';
import type { Page } from './page.ts';

const main = document.getElementById('main') as HTMLElement;
let teardown: (() => void) | void;

function loginForm(reason?: string): void {
  const input = h('input', { type: 'password', id: 'api-key', placeholder: 'sk_…', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'error', id: 'login-error' }, reason ?? '');
  const form = h('form', { class: 'login card' },
    h('h2', {}, 'Sign in to the Studio'),
    h('p', { class: 'muted' }, 'Open the Studio URL printed by ', h('code', {}, 'synth-rl sim'), ' or ', h('code', {}, 'synth-rl studio'),
      ', or enter the backend API key once. The key stays on the Studio server; this browser keeps only a session cookie.'),
    h('label', { for: 'api-key' }, 'API key'), input, h('button', { type: 'submit', class: 'primary' }, 'Open Studio'), error);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    api('/session', { json: { api_key: input.value } }).then(() => void route(), (e: unknown) => { error.textContent = (e as Error).message; });
  });
  clear(main, form);
  clear(document.getElementById('who') as HTMLElement);
  input.focus();
}

async function whoAmI(): Promise<boolean> {
  try {
    const me = await api<{ signed_in: boolean; backend: string; simulated: boolean }>('/me');
    if (!me.signed_in) return false;
    const out = h('button', { class: 'link', id: 'sign-out', onclick: () => void api('/session', { method: 'DELETE' }).then(() => loginForm()) }, 'Sign out');
    clear(document.getElementById('who') as HTMLElement, me.simulated ? h('span', { class: 'badge sim' }, 'simulated') : null, h('span', { class: 'muted' }, me.backend), out);
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return false;
    throw e;
  }
}

const ROUTES: Record<string, Page> = { jobs: jobsPage, job: jobPage, rollouts: rolloutsPage, playground: playgroundPage, compare: comparePage };

async function route(): Promise<void> {
  if (typeof teardown === 'function') teardown();
  teardown = undefined;
  if (!(await whoAmI())) return loginForm();
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const name = parts[0] === 'job' && parts[2] === 'rollouts' ? 'rollouts' : (parts[0] ?? 'jobs');
  const page = ROUTES[name] ?? jobsPage;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) a.classList.toggle('active', a.dataset.nav === (name === 'job' || name === 'rollouts' ? 'jobs' : name));
  clear(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    teardown = await page(main, new URLSearchParams(query), parts);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return loginForm();
    clear(main, h('div', { class: 'card error-card' }, h('h2', {}, 'Could not load this page'), h('p', { class: 'error' }, (e as Error).message)));
  }
}

window.addEventListener('studio:unauthorized', () => loginForm('Your session ended; sign in again.'));
window.addEventListener('hashchange', () => void route());
void route();
