// fetch that follows redirects itself, so credentials never reach another origin: the Fetch
// standard strips Authorization on a cross-origin redirect, but not X-API-Key (the task app's key)
// or other custom headers. Same-origin redirects keep every header.

/** Headers that carry a credential: dropped when a redirect leaves the origin. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-api-keys', 'cookie', 'proxy-authorization'];
const MAX_REDIRECTS = 10;

/** Like fetch(url, init) with redirect 'follow', minus credentials on cross-origin hops. */
export async function fetchFollowingSafely(doFetch: typeof fetch, url: string, init: RequestInit = {}): Promise<Response> {
  let current = url;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  const headers = new Headers(init.headers);
  for (let hop = 0; ; hop++) {
    const res = await doFetch(current, { ...init, method, body, headers, redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || res.status === 304 || location === null) return res;
    if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
    await res.body?.cancel().catch(() => {});
    const next = new URL(location, current);
    if (next.origin !== new URL(current).origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
    // As browsers do: 303 (and 301/302 after a POST) become a GET without a body; 307/308 repeat.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers.delete('content-type');
    }
    current = next.toString();
  }
}
