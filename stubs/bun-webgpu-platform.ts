// Replaces bun-webgpu's per-platform package (`bun-webgpu-<os>-<arch>/index.ts`) in built
// executables: src/runtime/webgpu.ts passes the embedded library of the target to bun-webgpu itself.
const path = '';
export default path;
