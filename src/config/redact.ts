// Secrets are never printed: only whether they are set and how long they are, so a user can tell
// "set but wrong" from "not set" without the value reaching a terminal, log or CI transcript.
export function redact(value: string): string {
  return `<redacted, ${value.length} chars>`;
}
