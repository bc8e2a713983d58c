import { createReadStream } from 'node:fs';

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
export function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
    let pending: Buffer[] = [];
    stream.on('data', (data: Buffer | string) => {
      const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let start = 0;
      let nl = chunk.indexOf(10);
      if (nl >= 0 && pending.length > 0) {
        pending.push(chunk.subarray(0, nl));
        onLine(Buffer.concat(pending).toString('utf8'));
        pending = [];
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      while (nl >= 0) {
        onLine(chunk.toString('utf8', start, nl));
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      // Keep a copy of the tail only: a view would keep the whole chunk.
      if (start < chunk.length) pending.push(start === 0 ? chunk : Buffer.from(chunk.subarray(start)));
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (pending.length > 0) onLine(Buffer.concat(pending).toString('utf8'));
      resolve();
    });
  });
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
