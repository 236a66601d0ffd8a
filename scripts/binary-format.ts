// Reads an executable's or shared library's format and CPU from its header: ELF (Linux),
// Mach-O thin or universal (macOS), PE (Windows). Used to verify the release binaries and the
// native libraries embedded in them (scripts/verify-release.ts).
import type { BinaryFormat, Cpu } from './release-targets.ts';

export interface BinaryHeader {
  format: BinaryFormat;
  /** Every CPU the file holds code for (a universal Mach-O may hold several); unknown ones by number. */
  cpus: (Cpu | `unknown:${string}`)[];
  /** ELF: 64-bit class; Mach-O/PE: 64-bit magic or optional header. */
  bits64: boolean;
}

const ELF_MACHINES: Record<number, Cpu> = { 62: 'x64', 183: 'arm64' };
const MACHO_CPUS: Record<number, Cpu> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, Cpu> = { 0x8664: 'x64', 0xaa64: 'arm64' };

function cpuOf(table: Record<number, Cpu>, n: number): Cpu | `unknown:${string}` {
  return table[n] ?? `unknown:0x${n.toString(16)}`;
}

function elf(b: Buffer): BinaryHeader {
  const little = b[5] === 1;
  const machine = little ? b.readUInt16LE(18) : b.readUInt16BE(18);
  return { format: 'elf', cpus: [cpuOf(ELF_MACHINES, machine)], bits64: b[4] === 2 };
}

function macho(b: Buffer): BinaryHeader {
  return { format: 'macho', cpus: [cpuOf(MACHO_CPUS, b.readUInt32LE(4))], bits64: b.readUInt32LE(0) === 0xfeedfacf };
}

/** Universal binary: big-endian fat header, then one 20-byte fat_arch per slice. */
function fat(b: Buffer): BinaryHeader {
  const n = b.readUInt32BE(4);
  const cpus = Array.from({ length: n }, (_, i) => cpuOf(MACHO_CPUS, b.readUInt32BE(8 + i * 20)));
  return { format: 'macho', cpus, bits64: true };
}

function pe(b: Buffer): BinaryHeader | null {
  const at = b.readUInt32LE(0x3c);
  if (at + 26 > b.length || b.toString('latin1', at, at + 4) !== 'PE\0\0') return null;
  const optMagic = b.readUInt16LE(at + 24);
  return { format: 'pe', cpus: [cpuOf(PE_MACHINES, b.readUInt16LE(at + 4))], bits64: optMagic === 0x20b };
}

/** The header at the start of `b` (at least the first 4 KiB of the file), or null when it is none of the three. */
export function readHeader(b: Buffer): BinaryHeader | null {
  if (b.length < 64) return null;
  if (b.readUInt32BE(0) === 0x7f454c46) return elf(b);
  const le = b.readUInt32LE(0);
  if (le === 0xfeedfacf || le === 0xfeedface) return macho(b);
  // 0xcafebabe is also a Java class file; a fat Mach-O has few slices (Java's minor version is small but its major >= 45).
  if (b.readUInt32BE(0) === 0xcafebabe && b.readUInt32BE(4) > 0 && b.readUInt32BE(4) < 8) return fat(b);
  if (b.toString('latin1', 0, 2) === 'MZ') return pe(b);
  return null;
}

/**
 * Where the bytes of `lib` are inside `container` (Bun embeds files verbatim), or -1. The first
 * 64 KiB locate a candidate; the whole file must then match byte for byte.
 */
export function findEmbedded(container: Buffer, lib: Buffer): number {
  const probe = lib.subarray(0, Math.min(lib.length, 65536));
  let at = container.indexOf(probe);
  while (at >= 0) {
    if (at + lib.length <= container.length && container.subarray(at, at + lib.length).equals(lib)) return at;
    at = container.indexOf(probe, at + 1);
  }
  return -1;
}
