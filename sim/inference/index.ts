// Public API of the simulator's inference service.
export { InferenceError, InferenceService, type InferenceContext, type PolicyModel } from './service.ts';
export { createInferenceApp, inferenceRoutes } from './routes.ts';
export { inferenceChatService } from './chat-service.ts';
export { BUILTIN_MODEL_IDS, builtinPolicies, createInferenceService } from './builtin.ts';
export { HeuristicPolicy, decide } from './policies/heuristic.ts';
export { RandomPolicy, hashString, mulberry32, requestSeed } from './policies/random.ts';
export { policyCompletion, type PolicyChoice } from './policies/completion.ts';
export { lastUserText, parseCrafterView, type CrafterView } from './policies/observation.ts';
