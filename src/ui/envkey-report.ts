// What `env-key` prints. A minted key is the one secret this program ever prints: once, here,
// after the backend stored it (a failed upload never shows it).
import type { EnvKeySetup } from '../client/envkey.ts';
import type { Style } from './style.ts';

export interface EnvKeyReport {
  setup: EnvKeySetup;
  backend: string;
  /** Where the key came from: "minted", "flag --token", "env ENVIRONMENT_API_KEY (.env:3)". */
  source: string;
  /** Only for a minted key. */
  mintedToken?: string;
}

export function envKeyText(r: EnvKeyReport, style: Style): string {
  const { setup } = r;
  const where = [setup.id ? `id ${setup.id}` : '', setup.updated_at ? `updated ${setup.updated_at}` : ''].filter(Boolean).join(', ');
  const lines = [
    `Sealed ${setup.name} (${setup.bytes} bytes, ${r.source}) with the backend's public key (${setup.alg})`,
    `Stored ${setup.name} on ${r.backend}${where ? ` (${where})` : ''}`,
  ];
  if (r.mintedToken !== undefined) {
    lines.push(
      '',
      style.yellow(`This minted ${setup.name} is shown only now. Give the same value to your task app (its ${setup.name}) and keep it safe:`),
      '',
      `  ${r.mintedToken}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function envKeyJson(r: EnvKeyReport): Record<string, unknown> {
  return {
    stored: true, name: r.setup.name, id: r.setup.id ?? null, updated_at: r.setup.updated_at ?? null, backend: r.backend,
    source: r.source, bytes: r.setup.bytes, alg: r.setup.alg, minted: r.mintedToken !== undefined,
    ...(r.mintedToken !== undefined && { token: r.mintedToken }),
  };
}
