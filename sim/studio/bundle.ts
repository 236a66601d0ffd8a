// Bundles the Studio's front end: sim/studio/web/main.ts (plain TypeScript + uPlot) into one
// minified script, uPlot's stylesheet plus ours into one CSS file, and the HTML shell.
import { join } from 'node:path';

export interface StudioAssets {
  html: string;
  js: string;
  css: string;
}

const WEB = join(import.meta.dir, 'web');

export async function buildStudioAssets(): Promise<StudioAssets> {
  const result = await Bun.build({ entrypoints: [join(WEB, 'main.ts')], target: 'browser', minify: true, format: 'esm' });
  if (!result.success) throw new Error(`studio bundle failed: ${result.logs.map(String).join('\n')}`);
  const js = await (result.outputs[0] as Blob).text();
  const uplotCss = await Bun.file(Bun.resolveSync('uplot/dist/uPlot.min.css', import.meta.dir)).text();
  const css = `${uplotCss}\n${await Bun.file(join(WEB, 'style.css')).text()}`;
  const html = await Bun.file(join(WEB, 'index.html')).text();
  return { html, js, css };
}
