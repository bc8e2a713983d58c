/**
 * Syslog over a byte stream (RFC 6587): octet counting ("123 <134>1 …", RFC 5425/6587 §3.4.1) or
 * non-transparent framing with LF (also CRLF and NUL, which some senders use). The method is chosen
 * per connection from its first byte (a digit means octet counting), as rsyslog and syslog-ng do.
 *
 * Bounded: a frame longer than `maxSize` is cut (the first `maxSize` bytes are delivered, flagged
 * truncated) and the rest skipped, so a sender cannot make us buffer without limit.
 */

export interface Frame {
  line: string;
  truncated: boolean;
}

export class StreamFramer {
  private mode: 'unknown' | 'octet' | 'lf' = 'unknown';
  private buf: Buffer = Buffer.alloc(0);
  /** Octet counting: bytes of the current frame still to come. */
  private need = -1;
  /** Bytes still to discard from an oversize frame. */
  private skip = 0;
  /** LF mode: discarding the tail of an oversize line until the next LF. */
  private discardingLine = false;
  framingErrors = 0;

  constructor(private readonly maxSize: number, private readonly onFrame: (f: Frame) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let guard = 0;
    while (this.buf.length > 0 && guard++ < 1_000_000) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.skip -= n;
        this.buf = this.buf.subarray(n);
        continue;
      }
      if (this.mode === 'unknown') {
        const c = this.buf[0]!;
        this.mode = c >= 0x31 && c <= 0x39 ? 'octet' : 'lf';
      }
      if (this.mode === 'octet' ? !this.octet() : !this.lf()) break;
    }
  }

  /** End of stream: deliver what is left of an LF-framed line. */
  end(): void {
    if (this.mode === 'lf' && this.buf.length > 0 && !this.discardingLine) this.emit(this.buf, false);
    this.buf = Buffer.alloc(0);
  }

  private emit(b: Buffer, truncated: boolean): void {
    let end = b.length;
    while (end > 0 && (b[end - 1] === 0x0d || b[end - 1] === 0x0a || b[end - 1] === 0)) end--;
    if (end === 0) return;
    this.onFrame({ line: b.toString('utf8', 0, end), truncated });
  }

  /** Returns false when more bytes are needed. */
  private octet(): boolean {
    if (this.need < 0) {
      // MSG-LEN SP: at most 10 digits.
      let i = 0, len = 0;
      while (i < this.buf.length && i < 11) {
        const c = this.buf[i]!;
        if (c === 0x20) break;
        if (c < 0x30 || c > 0x39) { i = -1; break; }
        len = len * 10 + (c - 0x30);
        i++;
      }
      if (i === -1 || i === 11 || (i === 0 && this.buf.length > 0 && this.buf[0] === 0x20)) {
        // Not octet counting after all (or garbage): fall back to LF framing for the rest.
        this.framingErrors++;
        this.mode = 'lf';
        return true;
      }
      if (i >= this.buf.length) return false;
      this.buf = this.buf.subarray(i + 1);
      this.need = len;
      if (len === 0) { this.need = -1; return true; }
    }
    if (this.need > this.maxSize) {
      if (this.buf.length < this.maxSize) return false;
      this.emit(this.buf.subarray(0, this.maxSize), true);
      this.skip = this.need - this.maxSize;
      this.buf = this.buf.subarray(this.maxSize);
      this.need = -1;
      return true;
    }
    if (this.buf.length < this.need) return false;
    this.emit(this.buf.subarray(0, this.need), false);
    this.buf = this.buf.subarray(this.need);
    this.need = -1;
    // Some senders add LF after each counted frame.
    while (this.buf.length > 0 && (this.buf[0] === 0x0a || this.buf[0] === 0x0d || this.buf[0] === 0)) this.buf = this.buf.subarray(1);
    return true;
  }

  private lf(): boolean {
    let nl = -1;
    const lim = Math.min(this.buf.length, this.maxSize + 1);
    for (let i = 0; i < lim; i++) {
      const c = this.buf[i]!;
      if (c === 0x0a || c === 0) { nl = i; break; }
    }
    if (nl < 0) {
      if (this.buf.length > this.maxSize) {
        if (!this.discardingLine) this.emit(this.buf.subarray(0, this.maxSize), true);
        this.discardingLine = true;
        this.buf = this.buf.subarray(this.maxSize);
        return true;
      }
      return false;
    }
    if (this.discardingLine) this.discardingLine = false;
    else this.emit(this.buf.subarray(0, nl), false);
    this.buf = this.buf.subarray(nl + 1);
    return true;
  }
}
