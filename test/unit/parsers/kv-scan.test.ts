/**
 * The key=value vendors (Sophos, SonicWall, Zyxel, Stormshield, Clavister, Juniper, LEEF …) read their pairs
 * with kvValues (Clavister with scanKvWanted, which sees every occurrence), which walk an ASCII line's bytes
 * (scanBytesInto) and any other line's characters (scanInto, scanKvWanted's own walk). The two walks must agree pair for pair: for every line here, the byte walk and the character
 * walk give the same values, on written layouts (quotes, escapes, bare words, empty values, repeated keys,
 * runs of spaces, a line cut anywhere) and on lines damaged at random.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { kvValues, scanKvWanted } from '../../../src/parsers/kv';
import { keySlots } from '../../../src/parsers/keyslots';
import { rng } from '../../../bench/gen';

const KEYS = keySlots(['src', 'dst', 'srcip', 'dst_ip', 'src_port', 'action', 'msg', 'a', 'b', 'proto', 'log_type',
  'status', 'user', 'note', 'fw_rule_name', 'id', 'sys', 'x']);

let checked = 0;
function check(s: string, slots = KEYS, start = 0, maxPairs = 512): void {
  checked++;
  const bytes = kvValues(s, start, slots, maxPairs);
  const chars = kvValues(s, start, slots, maxPairs, true);
  expect(bytes, `at ${start}: ${JSON.stringify(s)}`).to.deep.equal(chars);
  // scanKvWanted (every wanted pair, repeats included) walks the same bytes.
  const pairs = (useChars: boolean) => {
    const got: [number, string][] = [];
    scanKvWanted(s, start, slots, (k, v) => { got.push([k, v]); }, maxPairs, useChars);
    return got;
  };
  expect(pairs(false), `each pair at ${start}: ${JSON.stringify(s)}`).to.deep.equal(pairs(true));
}

const WRITTEN = [
  'src=203.0.113.5 dst=192.0.2.10 action=deny',
  'srcip="203.0.113.5" dst_ip="192.0.2.10" msg="Packet dropped" status="Deny"',
  'msg="a \\"quoted\\" word" a=1',
  'msg="ends in a backslash \\\\" a=2',
  'msg="odd run \\\\\\" still inside" a=3',
  'msg="unterminated a=4 b=5',
  'a= b= src=',
  'a=1 a=2 a=3',
  '  a=1    b=2   ',
  'bare words only',
  'a b=1 c',
  '=x a=1 ==y b==2',
  'a="x"b=2 src="1"dst="2"',
  'a="',
  'a=',
  'a',
  '',
  'x="' + 'v'.repeat(5000) + '" a=1',
  'x="' + 'v'.repeat(5000) + '\\" a=1',
  'log_type="Firewall" fw_rule_name="Drop WAN" user="" note="tab\there" proto=TCP',
];

describe('key=value scanner: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts, every prefix of them and every start', () => {
    for (const s of WRITTEN) {
      for (let cut = 0; cut <= Math.min(s.length, 200); cut++) check(s.slice(0, cut));
      for (let start = 0; start <= Math.min(s.length, 60); start++) check(s, KEYS, start);
      check(s, KEYS, 0, 2);
    }
  });

  it('reads the pairs it is meant to (bytes)', () => {
    const v = kvValues('srcip="203.0.113.5" a=1 a=2 msg="say \\"hi\\"" b', 0, KEYS);
    expect(v[KEYS.names.indexOf('srcip')]).to.equal('203.0.113.5');
    expect(v[KEYS.names.indexOf('a')]).to.equal('1');
    expect(v[KEYS.names.indexOf('msg')]).to.equal('say "hi"');
    expect(v[KEYS.names.indexOf('b')]).to.equal('');
    expect(v[KEYS.names.indexOf('dst')]).to.equal(undefined);
  });

  it('finds the same keys in a table whose names did not fit the shared name buffer', () => {
    // Tables keep their names in one shared buffer until it is full; later ones keep their own.
    let own = keySlots(['k0']);
    for (let i = 1; own.table.pooled && i < 200; i++) own = keySlots([`k${i}`, 'x'.repeat(2000) + i, 'src', 'msg']);
    expect(own.table.pooled).to.equal(false);
    expect(KEYS.table.pooled).to.equal(true);
    for (const s of WRITTEN) check(s, own);
    const long = own.names[1]!;
    const line = `src=203.0.113.5 msg="hello" ${long}=1`;
    check(line, own);
    const v = kvValues(line, 0, own);
    expect(v[1]).to.equal('1');
    expect(v[own.names.indexOf('src')]).to.equal('203.0.113.5');
    expect(v[own.names.indexOf('msg')]).to.equal('hello');
  });

  it('takes the character scanner for a line that is not ASCII or too long, with the same result', () => {
    check('msg="café déjà vu" src=203.0.113.5');
    check('src=203.0.113.5 msg="日本" a=1');
    check('a=1 ' + 'b=2 '.repeat(4000) + 'src=203.0.113.9');
    // As many UTF-8 bytes as the buffer holds before a 3-byte character that does not fit.
    const mid = ' src=203.0.113.5 msg=';
    check('é' + mid + 'a'.repeat(8190 - mid.length) + '€');
    check('é' + mid + 'a'.repeat(8189 - mid.length) + '€');
  });

  it('on every fixture line and 40k damaged copies', () => {
    const lines = allFixtureLines();
    // Every key of every fixture line is wanted by one table, so each value is compared.
    const names = new Set<string>();
    for (const l of lines) for (const m of l.matchAll(/([^ ="]+)=/g)) names.add(m[1]!);
    const all = keySlots(names);
    for (const l of lines) { check(l); check(l, all); }
    const r = rng(7);
    const noise = ['"', '\\', '=', ' ', '  ', '\\"', '="', 'é', '\u0000', '\t'];
    for (let k = 0; k < 40000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      check(s, all, Math.floor(r() * 4));
    }
    expect(checked).to.be.greaterThan(40000);
  });
});
