export * from './jobs.ts';
export * from './keys.ts';
export * from './models.ts';
export * from './chat.ts';
export * from './taskapp.ts';
export * from './limits.ts';

/** FastAPI-style error body every server here answers with. */
export interface ErrorBody {
  detail: unknown;
}
export * from './openai-direct.ts';
