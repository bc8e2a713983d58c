import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachLine } from '../../src/cli/lines';

describe('cli: forEachLine', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gw-lines-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function lines(content: string | Buffer): Promise<string[]> {
    const f = join(dir, `f${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(f, content);
    const out: string[] = [];
    await forEachLine(f, (l) => out.push(l));
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
});
