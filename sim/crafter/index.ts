// Public API of the toy Crafter engine (docs/crafter.md §8). See docs/crafter.md §9 for where it departs from
// Crafter and why.

export {
  ACHIEVEMENTS,
  ACTION_ALIASES,
  ACTION_NAMES,
  COLLECT_RULES,
  CRAFTAX_ACHIEVEMENT_ORDER,
  DEFAULT_MAX_STEPS,
  ITEM_NAMES,
  MAKE_RULES,
  MATERIAL_NAMES,
  NUM_ACHIEVEMENTS,
  NUM_ACTIONS,
  OBJECT_NAMES,
  PLACE_RULES,
  SEMANTIC_NAMES,
  actionIndex,
  type AchievementName,
  type ActionName,
  type CollectRule,
  type ItemName,
  type MakeRule,
  type MaterialName,
  type PlaceRule,
} from './constants.ts';
export {
  CrafterEnv,
  DAYLIGHT,
  PRESETS,
  achievementNames,
  type CrafterConfig,
  type EndReason,
  type Preset,
  type StepResult,
} from './env.ts';
export {
  VECTOR_OBS_SIZE,
  VEC_DAYLIGHT,
  VEC_FACING,
  VEC_INVENTORY,
  VEC_SLEEPING,
  VEC_VIEW,
  VOID_ID,
  formatObservation,
  semanticAt,
  semanticName,
  textObservation,
  vectorObservation,
  type TextFormat,
  type TextObservationOptions,
  type ToolCallLike,
} from './observe.ts';
export { ASCII_LEGEND, renderAscii, renderPng, type AsciiOptions, type PngOptions } from './render.ts';
export {
  MetricsAccumulator,
  aggregateMetrics,
  craftaxlmScore,
  crafterScore,
  episodeMetrics,
  type AggregateMetrics,
  type EpisodeEndReason,
  type EpisodeMetrics,
} from './metrics.ts';
export { combineHash, stateHash } from './hash.ts';
export { REPAIR_MINIMUMS } from './worldgen.ts';
export * as scenario from './scenario.ts';
