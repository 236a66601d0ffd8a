// Loads @huggingface/transformers for local-only use: no hub access, no cache writes.
import { preloadOrt } from './ort-preload.ts';
import { installWasmOrt, ortKind } from './ort-wasm.ts';

export type Transformers = typeof import('@huggingface/transformers');

let loaded: Promise<Transformers> | undefined;

/** The library, configured so models load only from `localModelPath` (a folder of model folders). */
export async function loadTransformers(localModelPath: string): Promise<Transformers> {
  loaded ??= (async () => {
    // The runtime must be chosen before transformers loads: it picks one at import time.
    if (ortKind() === 'wasm') await installWasmOrt();
    else preloadOrt();
    return await import('@huggingface/transformers');
  })();
  const t = await loaded;
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.useFSCache = false;
  t.env.useBrowserCache = false;
  // Always explicit: inside the binary the default points into the read-only /$bunfs/.
  t.env.localModelPath = localModelPath.endsWith('/') ? localModelPath : `${localModelPath}/`;
  return t;
}
