// How TOML key paths are shown to people. No dependencies: --help uses it.

/**
 * `["trainer","batch_size"]` → `[trainer].batch_size`; `["evaluation","seeds",1]` →
 * `[evaluation].seeds[1]`; top-level keys stay bare.
 */
export function displayKey(path: readonly (string | number)[]): string {
  const firstIndex = path.findIndex((p) => typeof p === 'number');
  const keys = (firstIndex === -1 ? path : path.slice(0, firstIndex)).map(String);
  const indices = firstIndex === -1 ? '' : path.slice(firstIndex).map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
  if (keys.length === 0) return `(top level)${indices}`;
  const last = keys[keys.length - 1] as string;
  if (keys.length === 1) return `${last}${indices}`;
  return `[${keys.slice(0, -1).join('.')}].${last}${indices}`;
}
