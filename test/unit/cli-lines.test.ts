import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachLine, forEachLineSync } from '../../src/cli/lines';

for (const [name, read] of [
  ['forEachLine', forEachLine],
  ['forEachLineSync', async (f: string, on: (l: string) => void) => forEachLineSync(f, on)],
] as const) describe(`cli: ${name}`, () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gw-lines-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function lines(content: string | Buffer): Promise<string[]> {
    const f = join(dir, `f${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(f, content);
    const out: string[] = [];
    await read(f, (l) => out.push(l));
    return out;
  }

  it('calls once per line, a last line without a newline included', async () => {
    expect(await lines('')).to.deep.equal([]);
    expect(await lines('a')).to.deep.equal(['a']);
    expect(await lines('a\n')).to.deep.equal(['a']);
    expect(await lines('a\nb')).to.deep.equal(['a', 'b']);
    expect(await lines('\n\n')).to.deep.equal(['', '']);
    expect(await lines('x\r\ny')).to.deep.equal(['x\r', 'y']);
  });

  it('decodes UTF-8, invalid bytes as U+FFFD, one call per line', async () => {
    expect(await lines('é€😀\nz')).to.deep.equal(['é€😀', 'z']);
    expect(await lines(Buffer.from([0x61, 0xff, 0x0a, 0xe2, 0x82, 0x0a, 0x62]))).to.deep.equal(['a\ufffd', '\ufffd', 'b']);
  });

  it('joins lines and characters split between 1 MiB read chunks', async () => {
    for (const off of [1, 2, 3]) {
      const first = 'a'.repeat((1 << 20) - off) + '😀é€';
      expect(await lines(`${first}\nbbé\n`)).to.deep.equal([first, 'bbé']);
    }
    const long = 'x'.repeat(3 << 20);
    const got = await lines(`${long}\nyy\n${'z'.repeat(2_500_000)}`);
    expect(got.map((l) => l.length)).to.deep.equal([3 << 20, 2, 2_500_000]);
    expect(got[0] === long).to.equal(true);
  });

  it('keeps each piece of a line that spans chunks, though the read buffers are reused', async () => {
    // Every 1 KiB of the long line differs, so a piece kept as a view of a reused buffer would show.
    let long = '';
    for (let i = 0; long.length < 3_300_000; i++) long += i.toString(36).padStart(8, '-').repeat(128);
    const short = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'q'.repeat(i % 700)}`);
    const text = `${short.join('\n')}\n${long}\n${short.join('\n')}\n`;
    const got = await lines(text);
    expect(got.length).to.equal(10001);
    expect(got[5000] === long).to.equal(true);
    expect(got.slice(0, 5000)).to.deep.equal(short);
    expect(got.slice(5001)).to.deep.equal(short);
  });

  it('passes on an error thrown by the callback and closes the file', async () => {
    const f = join(dir, 'throw.log');
    writeFileSync(f, 'a\n'.repeat(1_500_000));
    const fds = readdirSync('/proc/self/fd').length;
    let n = 0;
    let err: unknown;
    try {
      await read(f, () => { if (++n === 700_000) throw new Error('stop here'); });
    } catch (e) { err = e; }
    expect((err as Error)?.message).to.equal('stop here');
    expect(n).to.equal(700_000);
    expect(readdirSync('/proc/self/fd').length).to.equal(fds);
  });
});
