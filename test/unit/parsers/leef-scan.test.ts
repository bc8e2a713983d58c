/**
 * LEEF attributes are split by splitAttrs, which walks an ASCII line's bytes and any other line's
 * characters. The two walks must agree: for every line here and each delimiter LEEF uses (tab, "^", "|",
 * "#011", "=", "\\"), on written layouts (white space around keys and values, "\=" escapes, "=" in values,
 * empty keys and values, repeated keys, delimiters cut in half, a line cut anywhere, every start), on
 * generated attribute lists and on fixture lines damaged at random.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { join } from 'node:path';
import { leefAttrs } from '../../../src/parsers/leef';
import { rng } from '../../../bench/gen';

const DELIMS = ['\t', '^', '|', '#011', '=', '\\', ' '];

let checked = 0;
function check(s: string, start = 0, delims = DELIMS): void {
  for (const d of delims) {
    checked++;
    expect(leefAttrs(s, start, d), `${JSON.stringify(d)} at ${start}: ${JSON.stringify(s)}`).to.deep.equal(leefAttrs(s, start, d, true));
  }
}

const WRITTEN = [
  'policy=DNS-00\tdisp=Allow\tin_if=1-Trusted\tout_if=0-External\tsrc=10.0.1.30\tsrcPort=52000\tdst=198.51.100.53\tdstPort=53\tproto=udp',
  'src=2001:db8:bad::40^dst=2001:db8:1::40^srcPort=50000^dstPort=22^proto=6',
  'policy=Any-00#011disp=Deny#011src=203.0.113.151#011srcPort=40000#011dst=198.51.100.8#011dstPort=445#011proto=tcp',
  ' src = 192.0.2.1 \t\vdst=\r192.0.2.2\f\tproto= \t =x\t=\tsrc=again',
  'usrName=a\\=b\\=c\tpolicy=x=y\truleName=\\\\=\tapp=\\',
  'src=1\tsrc=2\tdst=\tdst=3\t\t\tproto',
  'src=1#01dst=2#0#011proto=3#011#011#01',
  'x'.repeat(65) + '=1\t' + 'src'.padStart(64, ' ') + '=2\tdst=3',
  '=\t==\t===',
  '',
];

describe('LEEF attribute splitter: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts, every prefix of them and every start, for each delimiter', () => {
    for (const s of WRITTEN) {
      for (let cut = 0; cut <= Math.min(s.length, 200); cut++) check(s.slice(0, cut));
      for (let start = 0; start <= Math.min(s.length, 60); start++) check(s, start);
    }
  });

  it('reads the attributes it is meant to (bytes)', () => {
    const r = leefAttrs(' src = 192.0.2.1 \tdst=a\\=b \tusrName=x=y\tsrc=2', 0, '\t');
    expect([r.src, r.dst, r.usrName, r.proto]).to.deep.equal(['192.0.2.1', 'a=b', 'x=y', undefined]);
    const h = leefAttrs('src=1#011dst=2#01proto=3', 0, '#011');
    expect([h.src, h.dst]).to.deep.equal(['1', '2#01proto=3']);
  });

  it('takes the character scanner for a line that is not ASCII or too long, with the same result', () => {
    check('usrName=José\tsrc=192.0.2.1');
    check('src=192.0.2.1\u00a0\tdst=\u2028192.0.2.2');
    check('src=1\t' + 'x=2\t'.repeat(3000) + 'dst=192.0.2.9');
    const mid = '\tsrc=192.0.2.1\tusrName=';
    check('é' + mid + 'a'.repeat(8190 - mid.length) + '€');
  });

  it('on generated attribute lists', () => {
    const keys = ['src', 'dst', 'srcPort', 'dstPort', 'proto', 'action', 'usrName', 'policy', 'devTime', ' src', 'src ', 'x', ''];
    const values = ['192.0.2.1', '', ' v ', 'a\\=b', 'a=b', '\\', '\\\\=', '\r', 'two words'];
    const r = rng(31);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    for (let k = 0; k < 5000; k++) {
      const d = pick(DELIMS.slice(0, 4));
      const parts: string[] = [];
      const np = 1 + Math.floor(r() * 10);
      for (let p = 0; p < np; p++) parts.push(r() < 0.05 ? 'stray' : `${pick(keys)}=${pick(values)}`);
      check(parts.join(d), r() < 0.9 ? 0 : Math.floor(r() * 4), [d, pick(DELIMS)]);
    }
  });

  it('on every fixture line and 20k damaged copies', () => {
    const lines = allFixtureLines();
    for (const l of lines) check(l);
    const r = rng(37);
    const noise = ['\t', '^', '#011', '#01', '=', ' ', '\\=', '\\', '\r', 'é', '\u0000', '|'];
    for (let k = 0; k < 20000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      check(s, Math.floor(r() * 4), [DELIMS[k % 4]!]);
    }
    expect(checked).to.be.greaterThan(35000);
  });
});
