// POST /proxy/v1/chat/completions (docs/wire-contract.md §4.6): forwards a chat completion to OpenAI
// with the app's OPENAI_API_KEY, for inference URLs that end in /proxy.
import { Hono } from 'hono';
import { z } from 'zod';
import { readBody } from '../http.ts';
import { proxyChatCompletion } from '../proxy.ts';
import { guard, traceHeaders, type TaskAppContext } from './context.ts';

export function proxyRoutes(ctx: TaskAppContext): Hono {
  const app = new Hono();
  app.post('/proxy/v1/chat/completions', async (c) => {
    const denied = guard(ctx, c);
    if (denied) return denied;
    const body = await readBody(c, z.unknown());
    if (!body.ok) return body.response;
    return proxyChatCompletion(body.data, ctx.inference, traceHeaders(c.req.raw.headers));
  });
  return app;
}
