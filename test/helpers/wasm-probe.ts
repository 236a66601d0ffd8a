// Entry of a small executable built by test/e2e/wasm-binary.test.ts: runs a WasmGPT forward in
// the main thread and in a Worker and prints both results, to show the embedded kernels load in
// a compiled binary (no kernels.wasm, no wabt, no node_modules beside it).
import { probeForward } from './wasm-probe-model.ts';

const spec = import.meta.url.includes('/$bunfs/') ? './wasm-probe-worker.ts' : new URL('./wasm-probe-worker.ts', import.meta.url);
const worker = new Worker(spec);
const inWorker = await new Promise<number[]>((resolve, reject) => {
  worker.onmessage = (e: MessageEvent<number[]>) => resolve(e.data);
  worker.onerror = (e) => reject(new Error(e.message));
  worker.postMessage('go');
});
worker.terminate();
console.log(JSON.stringify({ main: probeForward(), worker: inWorker }));
