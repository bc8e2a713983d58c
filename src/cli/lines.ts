import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Read a file (or stdin for "-") line by line, calling `onLine` for each '\n'-separated line (a final
 * line without a newline counts). Invalid UTF-8 becomes U+FFFD rather than an error, so a binary or
 * corrupt file still yields exactly one call per line.
 */
export function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
    const dec = new StringDecoder('utf8');
    let carry = '';
    stream.on('data', (chunk: Buffer | string) => {
      const text = carry + (typeof chunk === 'string' ? chunk : dec.write(chunk));
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      carry = start === 0 ? text : text.slice(start);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const rest = carry + dec.end();
      if (rest.length > 0) onLine(rest);
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
