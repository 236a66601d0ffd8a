// Prepares the native ONNX Runtime before @huggingface/transformers loads onnxruntime-node.
import { NATIVE_LIBS } from './native-libs.ts';
import { preloadLibrary, setNativeEnv } from './native-load.ts';

let done = false;

export function preloadOrt(): void {
  if (done) return;
  done = true;
  // Without this, every process leaves $TMPDIR/.ses and an empty mat-debug-<pid>.log behind
  // (transformers sets the variable through process.env, which native code never sees under Bun).
  setNativeEnv('ORT_DISABLE_TELEMETRY', '1');
  // Inside the compiled binary the addon's dependency (libonnxruntime.so.1 / .1.dylib /
  // onnxruntime.dll) is not on disk next to it; loading the embedded copy first satisfies it
  // (src/runtime/native-load.ts says how on each OS). From the source tree NATIVE_LIBS is null.
  for (const lib of NATIVE_LIBS?.ort?.libs ?? []) preloadLibrary(lib, 'OrtGetApiBase');
}
