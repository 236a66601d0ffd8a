// Worker half of wasm-probe.ts.
import { probeForward } from './wasm-probe-model.ts';

declare const self: Worker;
self.onmessage = () => self.postMessage(probeForward());
