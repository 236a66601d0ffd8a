// Loading embedded native libraries the way each OS's loader expects, and setting variables in the
// C environment (Bun's process.env writes never reach native getenv()).
//
// - Linux: dlopen the copy Bun extracts from the executable; glibc then satisfies a later
//   DT_NEEDED (e.g. libonnxruntime.so.1) by SONAME, whatever the extracted file is called.
// - macOS: libc is libSystem. The library is written under its own name into a private folder and
//   loaded from there; dyld reuses a loaded image whose install name (@rpath/libonnxruntime.1.dylib)
//   matches a later load command.
// - Windows: the loader matches an import (onnxruntime.dll) against already-loaded modules by file
//   name, so the DLL must be loaded under its real name: it is written into a private folder, that
//   folder is added to the DLL search path (SetDllDirectoryW), and the DLL is loaded from it.
import { dlopen, FFIType, type Library } from 'bun:ffi';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EmbeddedLib } from './native-libs.ts';

const LIBC: Partial<Record<NodeJS.Platform, string>> = { linux: 'libc.so.6', darwin: '/usr/lib/libSystem.B.dylib' };

function utf16z(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf16le');
}

/** Sets a variable where native code reads it (getenv on POSIX; both the Win32 and the CRT copy on Windows). */
export function setNativeEnv(name: string, value: string, overwrite = true): void {
  if (process.platform === 'win32') {
    if (!overwrite && process.env[name] !== undefined) return;
    const k32 = dlopen('kernel32.dll', { SetEnvironmentVariableW: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
    k32.symbols.SetEnvironmentVariableW(utf16z(name), utf16z(value));
    k32.close();
    const crt = dlopen('ucrtbase.dll', { _putenv_s: { args: [FFIType.cstring, FFIType.cstring], returns: FFIType.i32 } });
    crt.symbols._putenv_s(Buffer.from(`${name}\0`), Buffer.from(`${value}\0`));
    crt.close();
    return;
  }
  const libc = dlopen(LIBC[process.platform] ?? 'libc.so.6', { setenv: { args: [FFIType.cstring, FFIType.cstring, FFIType.i32], returns: FFIType.i32 } });
  libc.symbols.setenv(Buffer.from(`${name}\0`), Buffer.from(`${value}\0`), overwrite ? 1 : 0);
  libc.close();
}

/**
 * Writes an embedded library under its real name into $TMPDIR/synth-rl-native/<embedded name>/
 * (the embedded name carries Bun's content hash, so versions never collide) and returns that path.
 * Reused when already there with the same size; written to a temporary name and renamed, so two
 * processes starting at once never load a half-written file.
 */
export function extractNamed(lib: EmbeddedLib): string {
  const dir = join(tmpdir(), 'synth-rl-native', basename(lib.path).replace(/[^\w.-]/g, '_'));
  const target = join(dir, lib.name);
  const size = statSync(lib.path).size;
  if (existsSync(target) && statSync(target).size === size) return target;
  mkdirSync(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, readFileSync(lib.path), { mode: 0o755 });
  renameSync(tmp, target);
  return target;
}

/** A path the platform's loader can open for an embedded library (see the file comment). */
export function loadablePath(lib: EmbeddedLib): string {
  if (!lib.path.startsWith('/$bunfs/') && !/^[A-Z]:\\~BUN\\/i.test(lib.path)) return lib.path;
  return process.platform === 'linux' ? lib.path : extractNamed(lib);
}

/** Loads a library so that later loads of its name resolve to it; `symbol` is one it exports. */
export function preloadLibrary(lib: EmbeddedLib, symbol: string): Library<Record<string, { args: []; returns: typeof FFIType.ptr }>> {
  const path = loadablePath(lib);
  if (process.platform === 'win32') {
    const k32 = dlopen('kernel32.dll', { SetDllDirectoryW: { args: [FFIType.ptr], returns: FFIType.i32 } });
    k32.symbols.SetDllDirectoryW(utf16z(join(path, '..')));
    k32.close();
  }
  return dlopen(path, { [symbol]: { args: [], returns: FFIType.ptr } });
}
