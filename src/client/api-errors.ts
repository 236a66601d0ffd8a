// The errors of the Synth backend API client (api-client.ts): every transport failure becomes a
// BackendError whose message says what went wrong in the user's terms: a rejected key, an
// unreachable host, a 5xx burst that outlasted the retries, or a body that is not JSON.
import { HttpError } from './http.ts';

export type BackendErrorKind = 'auth' | 'not_found' | 'http' | 'network' | 'timeout' | 'invalid_json' | 'invalid_response' | 'aborted';

export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  readonly status: number | undefined;
  readonly url: string;
  /** The transport error behind this one, when there is one. */
  readonly http: HttpError | undefined;

  constructor(kind: BackendErrorKind, message: string, init: { url: string; status?: number; http?: HttpError }) {
    super(message);
    this.name = 'BackendError';
    this.kind = kind;
    this.url = init.url;
    this.status = init.status;
    this.http = init.http;
  }
}

/** The part of an HttpError message after "<what> for <METHOD> <url>: ". */
function reasonOf(e: HttpError): string {
  const prefix = `${e.status !== undefined ? `HTTP ${e.status}` : e.kind} for ${e.method} ${e.url}`;
  return e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length + 2) : e.message === prefix ? '' : e.message;
}

/** Turns a transport error into a BackendError with a message a user can act on. */
export function backendError(error: unknown, base: string): unknown {
  if (!(error instanceof HttpError)) return error;
  const why = reasonOf(error);
  const tries = error.attempts > 1 ? ` (gave up after ${error.attempts} attempts)` : '';
  const init = { url: error.url, http: error, ...(error.status !== undefined && { status: error.status }) };
  switch (error.kind) {
    case 'http': {
      const status = error.status ?? 0;
      const detail = why ? `: ${why}` : '';
      if (status === 401 || status === 403) {
        return new BackendError('auth', `API key rejected by ${base} (HTTP ${status} for ${error.method} ${error.url}${detail})`, init);
      }
      if (status === 404) return new BackendError('not_found', `HTTP 404 for ${error.method} ${error.url}${detail}`, init);
      // The body snippet goes in even when `detail` was parsed, so HTML error pages are recognisable.
      const snippet = error.bodySnippet && !why.includes(error.bodySnippet.slice(0, 40)) ? ` | body: ${error.bodySnippet}` : '';
      return new BackendError('http', `HTTP ${status} for ${error.method} ${error.url}${detail}${snippet}${tries}`, init);
    }
    case 'invalid_json':
      return new BackendError('invalid_json',
        `${error.method} ${error.url} answered HTTP ${error.status ?? '?'} with a body that is not JSON (${why}); is the backend URL right?`, init);
    case 'network':
      return new BackendError('network', `cannot reach ${base}: ${error.method} ${error.url} failed: ${why}${tries}`, init);
    case 'timeout':
      return new BackendError('timeout', `${error.method} ${error.url}: ${why}${tries}`, init);
    case 'aborted':
      return new BackendError('aborted', `${error.method} ${error.url}: request aborted`, init);
    case 'too_large':
      return new BackendError('invalid_response', `${error.method} ${error.url} answered HTTP ${error.status ?? '?'}: ${why}`, init);
  }
}
