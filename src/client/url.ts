// Backend URL rules (docs/wire-contract.md §2.1): users may give the root or the API base, with or without
// a trailing slash or /v1; requests must never hit /api/api/….

/**
 * The API base for a backend URL: trailing slashes and a trailing `/v1` removed, then `/api`
 * appended unless already there. `https://h` → `https://h/api`; `https://h/api/v1/` → `https://h/api`.
 */
export function apiBase(url: string): string {
  let base = url.trim().replace(/\/+$/, '');
  if (base.endsWith('/v1')) base = base.slice(0, -3).replace(/\/+$/, '');
  return base.endsWith('/api') ? base : `${base}/api`;
}

/** The root for a backend URL (the API base without `/api`), for banners and links. */
export function backendRoot(url: string): string {
  return apiBase(url).slice(0, -'/api'.length);
}

/**
 * Joins a base and a path. Absolute http(s) paths pass through; when the base ends with `/api`
 * and the path starts with `/api/`, the path's `/api` is dropped so no `/api/api` can occur.
 */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  const b = base.replace(/\/+$/, '');
  let p = path.startsWith('/') ? path : `/${path}`;
  if (b.endsWith('/api') && (p === '/api' || p.startsWith('/api/') || p.startsWith('/api?'))) p = p.slice(4);
  return `${b}${p}`;
}

/** Appends query parameters, skipping undefined values. */
export function withQuery(url: string, query: Record<string, string | number | boolean | undefined> | undefined): string {
  if (query === undefined) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const qs = params.toString();
  if (qs === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${qs}`;
}
