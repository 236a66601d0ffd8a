// The Studio on its own port for any backend (`synth-rl studio`): the same pages the simulator
// serves at /studio, reading the given backend's public API through the client's code.
import type { Server } from 'bun';
import { Hono } from 'hono';
import { createStudioApp } from './app.ts';
import { StudioSessions } from './sessions.ts';

export interface StudioServerOptions {
  backendUrl: string;
  /** Opens sessions through the one-time URL; without it the page asks for a key. */
  apiKey?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  label?: string;
}

export interface StudioServer {
  url: string;
  /** A one-time sign-in URL (needs apiKey); each call makes a new one and retires the last. */
  loginUrl(): string | undefined;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function startStudioServer(opts: StudioServerOptions): StudioServer {
  const host = opts.host ?? '127.0.0.1';
  // The Studio holds an API key for whoever opens it: never reachable from another machine.
  if (!isLoopback(host)) throw new Error(`the Studio binds loopback only (127.0.0.1, ::1, localhost); got ${host}`);
  const sessions = new StudioSessions(opts.apiKey);
  const label = opts.label ?? new URL(opts.backendUrl).host;
  const studio = createStudioApp({ backendUrl: opts.backendUrl, sessions, label, simulated: false });
  const app = new Hono({ strict: false });
  app.get('/', (c) => c.redirect('/studio/', 308));
  app.route('/studio', studio);
  const server: Server<undefined> = Bun.serve({ hostname: host, port: opts.port ?? 8788, fetch: (req, srv) => app.fetch(req, srv), idleTimeout: 60 });
  const name = server.hostname ?? host;
  const url = `http://${name.includes(":") ? `[${name}]` : name}:${server.port}`;
  return {
    url,
    loginUrl: () => {
      const token = sessions.issueLoginToken();
      return token === undefined ? undefined : `${url}/studio/?token=${token}`;
    },
    stop: () => server.stop(true),
  };
}
