import { expect } from 'chai';
import { StreamFramer } from '../../src/syslog/framing';

function frames(max: number, chunks: (string | Buffer)[]): { line: string; truncated: boolean }[] {
  const out: { line: string; truncated: boolean }[] = [];
  const f = new StreamFramer(max, (fr) => out.push(fr));
  for (const c of chunks) f.push(typeof c === 'string' ? Buffer.from(c) : c);
  f.end();
  return out;
}

describe('TCP framing (RFC 6587)', () => {
  it('splits LF-framed lines across chunk boundaries, CRLF and NUL too', () => {
    expect(frames(100, ['<1>a\n<1>b', 'c\r\n<1>d\0<1>e']).map((f) => f.line)).to.deep.equal(['<1>a', '<1>bc', '<1>d', '<1>e']);
  });
  it('reads octet counting, even split mid-length', () => {
    const m1 = '<34>1 - h a - - - hi', m2 = '<34>1 - h a - - - line\nwith newline';
    const data = `${m1.length} ${m1}${Buffer.byteLength(m2)} ${m2}`;
    const out = frames(100, [data.slice(0, 1), data.slice(1, 7), data.slice(7)]);
    expect(out.map((f) => f.line)).to.deep.equal([m1, m2]);
  });
  it('counts bytes, not characters, for UTF-8 frames', () => {
    const m = '<1>café ☕';
    expect(frames(100, [`${Buffer.byteLength(m)} ${m}`]).map((f) => f.line)).to.deep.equal([m]);
  });
  it('cuts oversize frames and stays in sync (octet counting)', () => {
    const big = 'x'.repeat(500);
    const out = frames(100, [`${big.length} ${big}5 <1>ok`]);
    expect(out).to.deep.equal([{ line: 'x'.repeat(100), truncated: true }, { line: '<1>ok', truncated: false }]);
  });
  it('cuts oversize LF lines and stays in sync', () => {
    const out = frames(10, ['<1>' + 'y'.repeat(50) + '\n<1>next\n']);
    expect(out).to.deep.equal([{ line: '<1>yyyyyyy', truncated: true }, { line: '<1>next', truncated: false }]);
  });
  it('holds no more than the limit when a sender never ends a line', () => {
    const f = new StreamFramer(1000, () => {});
    for (let i = 0; i < 1000; i++) f.push(Buffer.alloc(1000, 0x41));
    expect((f as unknown as { buf: Buffer }).buf.length).to.be.at.most(2000);
  });
});
