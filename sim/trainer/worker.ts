// Worker entry of the GRPO trainer: owns a PolicyCompute and answers messages strictly in order
// (a device's forward, backward and step must not interleave with a sampling call).
import { PolicyCompute } from './compute.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

declare const self: Worker;

let compute: PolicyCompute | undefined;
let queue: Promise<void> = Promise.resolve();

function need(): PolicyCompute {
  if (!compute) throw new Error('worker not initialised');
  return compute;
}

async function handle(msg: ToWorker): Promise<unknown> {
  switch (msg.kind) {
    case 'init': {
      const { kind: _k, id: _i, ...init } = msg;
      compute?.dispose();
      compute = await PolicyCompute.create(init);
      return compute.info();
    }
    case 'sample':
      return need().sample(msg.requests);
    case 'train':
      return need().train(msg);
    case 'export':
      return need().export();
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  queue = queue.then(async () => {
    try {
      self.postMessage({ id: msg.id, ok: true, value: await handle(msg) } as FromWorker);
    } catch (error) {
      self.postMessage({ id: msg.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    }
  });
};
