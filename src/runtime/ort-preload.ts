// Prepares the native ONNX Runtime before @huggingface/transformers loads onnxruntime-node.
import { dlopen } from 'bun:ffi';
import ortLibrary from '../../node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1' with { type: 'file' };

let done = false;

/** libc setenv: Bun's process.env writes are invisible to native getenv(). */
function setNativeEnv(name: string, value: string): void {
  const libc = dlopen('libc.so.6', { setenv: { args: ['cstring', 'cstring', 'i32'], returns: 'i32' } });
  libc.symbols.setenv(Buffer.from(`${name}\0`), Buffer.from(`${value}\0`), 1);
  libc.close();
}

export function preloadOrt(): void {
  if (done) return;
  done = true;
  // Without this, every process leaves $TMPDIR/.ses and an empty mat-debug-<pid>.log behind
  // (transformers sets the variable through process.env, which native code never sees under Bun).
  setNativeEnv('ORT_DISABLE_TELEMETRY', '1');
  // Inside the compiled binary the addon's DT_NEEDED libonnxruntime.so.1 is not on disk next to
  // it; loading the embedded copy first lets glibc satisfy the dependency by SONAME.
  if (ortLibrary.startsWith('/$bunfs/')) dlopen(ortLibrary, { OrtGetApiBase: { args: [], returns: 'ptr' } });
}
