// The effective config as the Studio shows it: any value under a name that smells of a secret is
// replaced by its length, so a job page can be shared on screen without leaking a key.
const SECRET_NAME = /key|secret|token|password|passwd|authorization|credential/i;

export function redactConfig(value: unknown, name = ''): unknown {
  if (SECRET_NAME.test(name) && (typeof value === 'string' || typeof value === 'number')) return `<redacted, ${String(value).length} chars>`;
  if (Array.isArray(value)) return value.map((v) => redactConfig(v, name));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}
