// Streaming extraction of a .tar.gz with limits: the archive is inflated chunk by chunk and each
// file written as its bytes arrive, so memory stays at one chunk; every entry's declared size is
// checked against what is left of the budget before a byte of it is written, so a gzip bomb stops
// at its first header instead of filling $TMPDIR. Only regular files and folders are created
// (no links), and never outside the destination.
import { closeSync, createReadStream, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { createGunzip } from 'node:zlib';

export interface ExtractLimits {
  /** Total bytes of the files extracted. */
  maxBytes: number;
  /** Number of files extracted. */
  maxFiles: number;
}

/** The archive exceeds a limit; the message names it. */
export class ExtractLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractLimitError';
  }
}

/** The archive is not a well-formed tar (bad header checksum, truncated entry, …). */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const BLOCK = 512;

/** Bytes as the limits are documented: 2 GiB, 1 MiB, or a plain count. */
function size(n: number): string {
  for (const [unit, k] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) if (n >= k && n % k === 0) return `${n / k} ${unit}`;
  return `${n} bytes`;
}
/** Longest pax/GNU long-name record read (a path, not data). */
const MAX_META_BYTES = 64 * 1024;

interface Header {
  name: string;
  size: number;
  type: string;
}

function field(block: Uint8Array, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return new TextDecoder().decode(end === -1 ? raw : raw.subarray(0, end));
}

function parseHeader(block: Uint8Array): Header | undefined {
  if (block.every((b) => b === 0)) return undefined;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  const declared = Number.parseInt(field(block, 148, 8).trim() || 'x', 8);
  if (declared !== sum) throw new TarFormatError('a tar header has a bad checksum (the archive is corrupt)');
  // The high bit marks a base-256 size (only for entries of 8 GiB or more): beyond any limit here.
  const size = ((block[124] as number) & 0x80) !== 0 ? Number.POSITIVE_INFINITY : Number.parseInt(field(block, 124, 12).trim() || '0', 8);
  if (!Number.isFinite(size) && ((block[124] as number) & 0x80) === 0) throw new TarFormatError('a tar header has an unreadable size');
  const prefix = field(block, 257, 6).startsWith('ustar') ? field(block, 345, 155) : '';
  const name = field(block, 0, 100);
  return { name: prefix ? `${prefix}/${name}` : name, size, type: String.fromCharCode(block[156] as number) };
}

/** `path=` of a pax extended header, if any. */
function paxPath(record: string): string | undefined {
  for (const line of record.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Where an entry goes under `dest`, or undefined when the name would leave it. */
function safeTarget(dest: string, name: string): string | undefined {
  const rel = normalize(name.replace(/^\.\//, ''));
  if (rel === '.' || rel === '' || rel.startsWith('..') || rel.startsWith('/')) return undefined;
  return join(dest, rel);
}

/** Extracts `archive` (.tar.gz) into `dest`; returns the relative names of the files written. */
export async function extractTarGz(archive: string, dest: string, limits: ExtractLimits): Promise<string[]> {
  const source = createReadStream(archive);
  const gunzip = createGunzip();
  source.on('error', (e) => gunzip.destroy(e));
  source.pipe(gunzip);
  const state = new Extraction(dest, limits);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      if (state.feed(chunk)) break;
    }
    state.finish();
    return state.files;
  } finally {
    state.closeFile();
    source.destroy();
    gunzip.destroy();
  }
}

/** The tar state machine over inflated chunks. */
class Extraction {
  readonly files: string[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private entry: { remaining: number; pad: number; fd: number | undefined; meta: Buffer[] | undefined; type: string } | undefined;
  private nextName: string | undefined;
  private written = 0;
  private inflated = 0;
  private ended = false;

  constructor(private readonly dest: string, private readonly limits: ExtractLimits) {}

  /** Consumes a chunk; true once the end-of-archive marker is reached. */
  feed(chunk: Buffer): boolean {
    this.inflated += chunk.length;
    // Headers and padding are at most 1.5 KiB per file beyond the data itself.
    if (this.inflated > this.limits.maxBytes + (this.limits.maxFiles + 4) * 3 * BLOCK) {
      throw new ExtractLimitError(`inflates to more than ${size(this.limits.maxBytes)} (the limit)`);
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (!this.ended) {
      if (this.entry !== undefined) {
        if (!this.consumeData()) return false;
        continue;
      }
      if (this.pending.length < BLOCK) return false;
      const block = this.pending.subarray(0, BLOCK);
      this.pending = this.pending.subarray(BLOCK);
      const header = parseHeader(block);
      if (header === undefined) this.ended = true;
      else this.begin(header);
    }
    return true;
  }

  finish(): void {
    if (this.entry !== undefined && this.entry.remaining > 0) throw new TarFormatError('the archive ends in the middle of an entry (truncated)');
  }

  closeFile(): void {
    if (this.entry?.fd !== undefined) closeSync(this.entry.fd);
    if (this.entry !== undefined) this.entry.fd = undefined;
  }

  private begin(h: Header): void {
    const pad = (BLOCK - (h.size % BLOCK)) % BLOCK;
    const name = this.nextName ?? h.name;
    if (h.type === 'x' || h.type === 'L') {
      if (h.size > MAX_META_BYTES) throw new TarFormatError(`a ${h.type === 'x' ? 'pax' : 'long-name'} header of ${h.size} bytes is too large`);
      this.entry = { remaining: h.size, pad, fd: undefined, meta: [], type: h.type };
      return;
    }
    this.nextName = undefined;
    const isFile = h.type === '0' || h.type === '\0' || h.type === '';
    let fd: number | undefined;
    const target = safeTarget(this.dest, name);
    if (isFile && target !== undefined) {
      if (this.files.length + 1 > this.limits.maxFiles) throw new ExtractLimitError(`holds more than ${this.limits.maxFiles} files (the limit)`);
      if (this.written + h.size > this.limits.maxBytes) {
        throw new ExtractLimitError(`holds more than ${size(this.limits.maxBytes)} of files (the limit; ${name} declares ${h.size} bytes)`);
      }
      this.written += h.size;
      mkdirSync(dirname(target), { recursive: true });
      fd = openSync(target, 'w', 0o600);
      this.files.push(name.replace(/^\.\//, ''));
    } else if (h.type === '5' && target !== undefined) {
      mkdirSync(target, { recursive: true });
    }
    // Links, devices and names outside the folder are skipped: their data (if any) is read past.
    this.entry = { remaining: h.size, pad, fd, meta: undefined, type: h.type };
  }

  /** Moves entry data out of `pending`; false when more input is needed. */
  private consumeData(): boolean {
    const e = this.entry as NonNullable<Extraction['entry']>;
    if (e.remaining > 0) {
      const take = Math.min(e.remaining, this.pending.length);
      if (take === 0) return false;
      const part = this.pending.subarray(0, take);
      if (e.fd !== undefined) writeSync(e.fd, part);
      else if (e.meta !== undefined) e.meta.push(Buffer.from(part));
      e.remaining -= take;
      this.pending = this.pending.subarray(take);
      if (e.remaining > 0) return false;
    }
    if (this.pending.length < e.pad) return false;
    this.pending = this.pending.subarray(e.pad);
    this.closeFile();
    if (e.meta !== undefined) {
      const text = Buffer.concat(e.meta).toString('utf8');
      this.nextName = e.type === 'L' ? text.replace(/\0+$/, '') : paxPath(text) ?? this.nextName;
    }
    this.entry = undefined;
    return true;
  }
}
