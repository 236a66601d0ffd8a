// Serves the task app on its own Bun.serve (127.0.0.1:8001 by default): `synth-rl task-app` and
// `synth-rl sim` start it here.
import type { Server } from 'bun';
import { createTaskApp, type TaskApp, type TaskAppOptions } from './app.ts';

export interface TaskAppServerOptions extends TaskAppOptions {
  host?: string;
  /** 0 picks a free port. Default 8001. */
  port?: number;
}

export interface RunningTaskApp {
  url: string;
  port: number;
  taskApp: TaskApp;
  server: Server<undefined>;
  stop(): Promise<void>;
}

export const DEFAULT_TASK_APP_PORT = 8001;

export async function startTaskApp(opts: TaskAppServerOptions = {}): Promise<RunningTaskApp> {
  const taskApp = createTaskApp(opts);
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: opts.host ?? '127.0.0.1',
      port: opts.port ?? DEFAULT_TASK_APP_PORT,
      // The server is passed on so /rollout can lift the idle cut for its own long request.
      fetch: (req, srv) => taskApp.app.fetch(req, srv),
      idleTimeout: 255,
      // Chunked bodies have no Content-Length: cap what Bun buffers before the routes' own checks.
      maxRequestBodySize: 8 * 1024 * 1024,
    });
  } catch (error) {
    taskApp.close();
    throw error;
  }
  let stopped = false;
  return {
    url: `http://${server.hostname}:${server.port}`,
    port: server.port ?? 0,
    taskApp,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      taskApp.close();
      await server.stop(true);
    },
  };
}
