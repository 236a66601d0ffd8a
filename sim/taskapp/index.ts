// Public API of the simulated Crafter task app.
export { createTaskApp, taskAppOptionsFromEnv, type TaskApp, type TaskAppOptions } from './app.ts';
export { startTaskApp, DEFAULT_TASK_APP_PORT, type RunningTaskApp, type TaskAppServerOptions } from './server.ts';
export { EnvRegistry, CapacityError, type EnvHandle, type RegistryOptions } from './registry.ts';
export { allowedKeys, authorize, candidateKeys, type AuthOutcome } from './auth.ts';
export { buildPolicyRequest, INTERACT_TOOL, SYSTEM_PROMPT, TERMINATE_TOOL } from './prompt.ts';
export { callInference, chatCompletionsUrl, routesToOpenAI, sanitizeForOpenAI } from './inference.ts';
export { interpretCall, parseToolCalls, actionsFromText } from './tool-calls.ts';
export { runRollout, normaliseOps, type InferenceSettings, type RolloutDeps } from './rollout.ts';
export { resolveEnvConfig, ENV_NAME, type EnvConfig, type RewardMode } from './env-config.ts';
export { createTaskAppContext, type TaskAppContext } from './routes/context.ts';
export { envRoutes } from './routes/env.ts';
export { probeRoutes } from './routes/probes.ts';
export { proxyRoutes } from './routes/proxy.ts';
export { rolloutRoutes } from './routes/rollout.ts';
export { taskInfoRoutes } from './routes/task-info.ts';
export { runOpenAIDirectTest, type OpenAIDirectContext } from './openai-direct.ts';
