// The compiled kernels, base64, when running as the compiled executable: scripts/build.ts replaces
// this module's text at bundle time. null in the source tree, where module.ts reads (and when stale
// rebuilds) sim/model/wasm/kernels.wasm instead.
export const EMBEDDED_WASM: string | null = null;
