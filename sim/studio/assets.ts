// The Studio's front end (sim/studio/web) as served text. Run from source, it is bundled with
// Bun.build on first use; scripts/build.ts bundles it once and replaces this module's
// `studioAssets` with the finished text, so the compiled binary carries the page and needs no
// bundler, CDN or network at run time.
import { buildStudioAssets, type StudioAssets } from './bundle.ts';

export type { StudioAssets } from './bundle.ts';

let cached: Promise<StudioAssets> | undefined;

export function studioAssets(): Promise<StudioAssets> {
  cached ??= buildStudioAssets();
  cached.catch(() => { cached = undefined; });
  return cached;
}
