// Which native libraries this executable carries, for the platform it was built for.
//
// In the source tree (`bun run`, tests) nothing is embedded and NATIVE_LIBS is null: onnxruntime-node
// and bun-webgpu find their own files in node_modules. scripts/build.ts replaces this module's
// contents with the target platform's files imported `with { type: 'file' }` (so they are embedded),
// their versions and the build's commit (see scripts/native-files.ts, docs/release.md).

export interface EmbeddedLib {
  /** The file name the platform's loader looks for (e.g. libonnxruntime.so.1, onnxruntime.dll). */
  name: string;
  /** Where the bytes are: a /$bunfs/ path inside the executable. */
  path: string;
}

export interface NativeLibs {
  /** Release target name, e.g. "linux-x64", "darwin-arm64", "windows-x64". */
  target: string;
  /** null where onnxruntime-node ships no library for the platform (darwin-x64). */
  ort: { version: string; libs: EmbeddedLib[] } | null;
  /**
   * ONNX Runtime as WebAssembly (onnxruntime-web's module), embedded where there is no native
   * library (src/runtime/ort-wasm.ts); null elsewhere.
   */
  ortWasm: { version: string; path: string } | null;
  /** null where bun-webgpu has no build for the platform (linux-arm64). */
  webgpu: { version: string; lib: EmbeddedLib } | null;
  /** git commit the executable was built from ("unknown" outside a git checkout). */
  commit: string;
}

export const NATIVE_LIBS: NativeLibs | null = null;
