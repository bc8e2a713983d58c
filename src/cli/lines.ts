import { isAscii } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;

/**
 * Node's own per-encoding Buffer slicers (what `toString(encoding, start, end)` calls after checking its
 * arguments): a log line is decoded from a checked range, so the checks are skipped. A chunk of plain
 * ASCII (nearly every log) is decoded as latin1, which is the same text without the UTF-8 validation.
 */
interface Slicers { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string }
const HAS_SLICERS = typeof (Buffer.prototype as unknown as Partial<Slicers>).latin1Slice === 'function'
  && typeof (Buffer.prototype as unknown as Partial<Slicers>).utf8Slice === 'function';

/**
 * Read a file (or stdin for "-") line by line, calling `onLine` for each '\n'-separated line (a final
 * line without a newline counts). Invalid UTF-8 becomes U+FFFD rather than an error, so a binary or
 * corrupt file still yields exactly one call per line.
 *
 * The file is read in 1 MiB chunks and each line is decoded on its own from the bytes ('\n' never
 * occurs inside a UTF-8 sequence): no string for the whole chunk, and a line's string is its own, so
 * a field a later stage keeps (an address in a table) holds a line at most, never a megabyte chunk.
 * A line split between chunks is joined once its end arrives (pieces kept in a list: no quadratic
 * copying, however long the line).
 */
export async function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  if (path === '-') return forEachStdinLine(onLine);
  const fh = await open(path, 'r');
  let reading: Promise<{ bytesRead: number }> | undefined;
  try {
    const split = new LineSplitter(onLine);
    // Two buffers, reused: the next chunk is read into one while the lines of the other are handled.
    // (A fresh buffer per read, as a stream makes, left the process ~70 MB larger: glibc keeps freed
    // 1 MiB blocks.) The splitter copies what it keeps, so a buffer is free again once push() returns.
    const bufs = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
    let k = 0;
    reading = fh.read(bufs[0]!, 0, CHUNK, null);
    for (;;) {
      const { bytesRead: n } = await reading;
      if (n <= 0) break;
      const buf = bufs[k]!;
      k ^= 1;
      reading = fh.read(bufs[k]!, 0, CHUNK, null);
      split.push(n === CHUNK ? buf : buf.subarray(0, n));
    }
    split.end();
  } finally {
    // onLine threw with the next read under way: let it finish before the file is closed.
    if (reading) await reading.catch(() => undefined);
    await fh.close();
  }
}

function forEachStdinLine(onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const split = new LineSplitter(onLine);
    process.stdin.on('data', (data: Buffer | string) => split.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
    process.stdin.on('error', reject);
    process.stdin.on('end', () => {
      split.end();
      resolve();
    });
  });
}

/**
 * `forEachLine` for a file (not stdin) with synchronous reads: the same lines, the same decoding. For a
 * thread that does nothing else (the analyze worker); it blocks its thread while reading.
 */
export function forEachLineSync(path: string, onLine: (line: string) => void): void {
  const fd = openSync(path, 'r');
  try {
    const split = new LineSplitter(onLine);
    // One buffer, reused (see forEachLine): the splitter copies what it keeps.
    const buf = Buffer.allocUnsafeSlow(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n <= 0) break;
      split.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    split.end();
  } finally {
    closeSync(fd);
  }
}

/** The line splitting and decoding shared by `forEachLine` and `forEachLineSync`: push chunks, then end(). */
export class LineSplitter {
  private pending: Buffer[] = [];
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const onLine = this.onLine;
    let start = 0;
    let nl = chunk.indexOf(10);
    if (nl >= 0 && this.pending.length > 0) {
      this.pending.push(chunk.subarray(0, nl));
      const joined = Buffer.concat(this.pending);
      this.pending = [];
      onLine(joined.toString('utf8'));
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (HAS_SLICERS) {
      const c = chunk as unknown as Slicers;
      const ascii = isAscii(chunk);
      while (nl >= 0) {
        onLine(ascii ? c.latin1Slice(start, nl) : c.utf8Slice(start, nl));
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
    } else {
      while (nl >= 0) {
        onLine(chunk.toString('utf8', start, nl));
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
    }
    // Keep a copy of the tail only: the caller reuses the chunk's memory, and a view would keep it all.
    if (start < chunk.length) this.pending.push(Buffer.from(chunk.subarray(start)));
  }

  end(): void {
    if (this.pending.length > 0) {
      const joined = Buffer.concat(this.pending);
      this.pending = [];
      this.onLine(joined.toString('utf8'));
    }
  }
}

/** Buffered stdout writer that respects back-pressure. */
export class Out {
  private buf: string[] = [];
  private size = 0;
  write(s: string): void {
    this.buf.push(s);
    this.size += s.length;
  }
  async flushIfBig(): Promise<void> {
    if (this.size > 1 << 20) await this.flush();
  }
  flush(): Promise<void> {
    const data = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (data.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      if (process.stdout.write(data)) resolve();
      else process.stdout.once('drain', resolve);
    });
  }
}
