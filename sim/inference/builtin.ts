// The policies every simulator serves from the start: offline stand-ins for a hosted model until
// trained checkpoints exist, and the baselines of the learning benchmark.
import { HeuristicPolicy } from './policies/heuristic.ts';
import { RandomPolicy } from './policies/random.ts';
import { InferenceService, type PolicyModel } from './service.ts';

export const BUILTIN_MODEL_IDS = ['sim:random', 'sim:heuristic'] as const;

export function builtinPolicies(): PolicyModel[] {
  return [new RandomPolicy(), new HeuristicPolicy()];
}

/** A service with the built-in policies registered. */
export function createInferenceService(): InferenceService {
  const service = new InferenceService();
  for (const p of builtinPolicies()) service.register(p);
  return service;
}
