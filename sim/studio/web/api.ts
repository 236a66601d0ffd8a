// The page's only way out: same-origin calls to /studio/api/… (the session cookie rides along).
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Job {
  id: string;
  job_id?: string;
  status: string;
  model?: string | null;
  trainer?: string;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
  updated_at?: string;
  fine_tuned_model?: string | null;
  error?: string | null;
  progress?: { iteration?: number; total_iterations?: number; epoch?: number; percent?: number } | null;
  config?: unknown;
  simulated?: boolean;
  reward_trend?: number[];
}

export interface MetricPoint {
  name: string;
  value: number;
  step: number;
  phase?: string;
  created_at?: string;
}

export interface JobEvent {
  seq: number;
  type: string;
  message: string;
  level: string;
  data: Record<string, unknown>;
  created_at?: string;
}

function detailText(body: unknown, status: number): string {
  const d = (body as { detail?: unknown } | null)?.detail;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) return d.map((x) => (x as { msg?: string }).msg ?? JSON.stringify(x)).join('; ');
  return `HTTP ${status}`;
}

export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-studio': '1' };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/studio/api${path}`, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers,
    credentials: 'same-origin',
    ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/session' && path !== '/me') window.dispatchEvent(new CustomEvent('studio:unauthorized'));
    throw new ApiError(res.status, detailText(body, res.status));
  }
  return body as T;
}

export const jobPath = (id: string) => `/jobs/${encodeURIComponent(id)}`;
