// Worker entry of the GRPO trainer: owns a PolicyCompute and answers messages in order.
import { PolicyCompute } from './compute.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

declare const self: Worker;

let compute: PolicyCompute | undefined;

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  const reply = (m: FromWorker) => self.postMessage(m);
  try {
    switch (msg.kind) {
      case 'init': {
        const { kind: _k, id: _i, ...init } = msg;
        compute = new PolicyCompute(init);
        return reply({ id: msg.id, ok: true, value: null });
      }
      case 'generate':
        if (!compute) throw new Error('worker not initialised');
        return reply({ id: msg.id, ok: true, value: compute.generate(msg) });
      case 'train':
        if (!compute) throw new Error('worker not initialised');
        return reply({ id: msg.id, ok: true, value: compute.train(msg) });
      case 'export':
        if (!compute) throw new Error('worker not initialised');
        return reply({ id: msg.id, ok: true, value: compute.export() });
    }
  } catch (error) {
    reply({ id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
};
