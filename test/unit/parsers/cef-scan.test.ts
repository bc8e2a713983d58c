/**
 * CEF extensions are read by two walks, each with a byte version for ASCII lines and a character version
 * for the rest: cef.ts's cefValues (CEF and LEEF parsers) and cef-fields.ts's cefFields / cefFieldValues
 * (FortiGate, Check Point, PAN-OS CEF). For every line here the byte walk and the character walk must give
 * the same values: written layouts (values with spaces, "\=", "\\", "\n", escaped spaces, empty values,
 * "a=b=c", keys of every length, junk before the first key, runs of spaces, a line cut anywhere, every
 * start), generated extensions, and fixture lines damaged at random. cef.ts's header split (cefParts: header
 * fields, where the extension starts, its values) is held to its character version the same way.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { join } from 'node:path';
import { cefParts, cefValues } from '../../../src/parsers/cef';
import { cefFields, cefFieldValues } from '../../../src/parsers/cef-fields';
import { KeySlots, keySlots } from '../../../src/parsers/keyslots';
import { rng } from '../../../bench/gen';

const NAMES = ['src', 'dst', 'spt', 'dpt', 'act', 'proto', 'msg', 'cs1', 'cs1Label', 'rt', 'a', 'b', 'c', 'x-y', 'ad.name',
  'FTNTFGTsrcip', 'deviceInboundInterface', 'k'.repeat(64), 'k'.repeat(65), 'k'.repeat(66)];
const KEYS = keySlots(NAMES);

const rename = (k: string): string => (k.startsWith('FTNTFGT') ? k.slice(7) : k === 'src' ? 'srcip' : k);
const WANT = new Set(['srcip', 'dst', 'act', 'msg', 'a', 'b', 'ad.name', 'k'.repeat(65)]);

let checked = 0;
function check(s: string, slots: KeySlots = KEYS, start = 0, maxPairs = 512): void {
  checked++;
  const at = `at ${start}: ${JSON.stringify(s)}`;
  expect(cefValues(s, start, slots), `cefValues ${at}`).to.deep.equal(cefValues(s, start, slots, true));
  expect(cefFieldValues(s, start, slots, maxPairs), `cefFieldValues ${at}`).to.deep.equal(cefFieldValues(s, start, slots, maxPairs, true));
  const fb: Record<string, string> = Object.create(null), fc: Record<string, string> = Object.create(null);
  cefFields(s, start, fb, undefined, undefined, maxPairs);
  cefFields(s, start, fc, undefined, undefined, maxPairs, true);
  expect(fb, `cefFields ${at}`).to.deep.equal(fc);
  const rb: Record<string, string> = Object.create(null), rc: Record<string, string> = Object.create(null);
  cefFields(s, start, rb, rename, WANT, maxPairs);
  cefFields(s, start, rc, rename, WANT, maxPairs, true);
  expect(rb, `cefFields renamed ${at}`).to.deep.equal(rc);
}

const WRITTEN = [
  'src=203.0.113.5 spt=51515 dst=192.0.2.10 dpt=22 proto=TCP act=blocked',
  'msg=a value with spaces src=203.0.113.5 cs1Label=Rule Name cs1=Block bad hosts',
  'msg=escaped \\= equals and \\\\ backslash and \\n newline a=1',
  'msg=escaped\\ space a=b\\ c=3 b=x\\\\ c=4',
  'msg=odd run \\\\\\ c=5 b=\\\\\\\\ c=6',
  'msg=ends in a backslash\\',
  'a= b= c=',
  'a=b=c x-y=1 ad.name=2',
  'a=1 a=2 src=3 FTNTFGTsrcip=4',
  '   a=1     b=2    ',
  'junk words before a=1 b=two words',
  '=x a=1 ==y b==2 c= =',
  'a=x\tb=1 c=\ty ',
  'a=x-y=1 b=.=2 c=_=3',
  'a=1 -=2 .b=3 b.=4',
  `${'k'.repeat(64)}=64 ${'k'.repeat(65)}=65 ${'k'.repeat(66)}=66 a=end`,
  `a=${'k'.repeat(70)}=long b=1`,
  'a=\\',
  'a',
  'a=',
  '=',
  '',
  ' ',
  'msg=' + 'v '.repeat(2500) + 'a=1',
  'rt=Nov 23 2026 10:00:05 dvchost=edge1 src=203.0.113.184 spt=40000 dst=192.0.2.32 dpt=22 proto=TCP act=Drop cs1Label=acl cs1=/Common/deny',
];

describe('CEF extension scanners: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts, every prefix of them and every start', () => {
    for (const s of WRITTEN) {
      for (let cut = 0; cut <= Math.min(s.length, 200); cut++) check(s.slice(0, cut));
      for (let start = 0; start <= Math.min(s.length + 1, 80); start++) check(s, KEYS, start);
      check(s, KEYS, 0, 1);
      check(s, KEYS, 0, 2);
    }
  });

  it('reads the pairs it is meant to (bytes)', () => {
    const s = 'junk src=203.0.113.5  msg=two words\\=x \\\\ a=b=c dst=192.0.2.1\\ x  ';
    expect(cefValues(s, 0, KEYS).every((x) => x === undefined)).to.equal(true); // cef.ts: the extension starts with a key
    const v = cefValues(s, 5, KEYS);
    expect(v[KEYS.names.indexOf('src')]).to.equal('203.0.113.5');
    expect(v[KEYS.names.indexOf('msg')]).to.equal('two words=x \\');
    expect(v[KEYS.names.indexOf('a')]).to.equal('b=c'); // cef.ts: a key follows a space
    const f = cefFieldValues(s, 0, KEYS);
    expect(f[KEYS.names.indexOf('src')]).to.equal('203.0.113.5');
    expect(f[KEYS.names.indexOf('msg')]).to.equal('two words=x \\');
    expect(f[KEYS.names.indexOf('a')]).to.equal('');
    expect(f[KEYS.names.indexOf('b')]).to.equal('c');
    expect(f[KEYS.names.indexOf('dst')]).to.equal('192.0.2.1 x');
  });

  it('takes the character scanners for a line that is not ASCII or too long, with the same result', () => {
    check('msg=café déjà vu src=203.0.113.5');
    check('src=203.0.113.5 msg=日本 a=1');
    check('a=1 ' + 'b=2 '.repeat(3000) + 'src=203.0.113.9');
    const mid = ' src=203.0.113.5 msg=';
    check('é' + mid + 'a'.repeat(8190 - mid.length) + '€');
  });

  it('on generated extensions', () => {
    const keys = [...NAMES, 'deviceExternalId', 'FTNTFGTlogid', 'in', 'out'];
    const values = ['203.0.113.5', '', 'two words', 'x\\=y', 'x\\\\', 'x\\ y', '\\n', 'a=b', '\\', '  ', 'v\t', '-', 'x='];
    const r = rng(13);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    for (let k = 0; k < 20000; k++) {
      const parts: string[] = [];
      const np = 1 + Math.floor(r() * 10);
      for (let p = 0; p < np; p++) {
        const q = r();
        parts.push(q < 0.05 ? 'stray' : `${pick(keys)}=${pick(values)}`);
      }
      let s = '';
      for (const p of parts) s += (s === '' ? '' : r() < 0.8 ? ' ' : '  ') + p;
      check(s, KEYS, r() < 0.9 ? 0 : Math.floor(r() * 4), r() < 0.95 ? 512 : 3);
    }
  });

  it('on every fixture line and 40k damaged copies', () => {
    const lines = allFixtureLines();
    // Every key of every fixture line is wanted by one table, so each value is compared.
    const names = new Set<string>();
    for (const l of lines) for (const m of l.matchAll(/([A-Za-z0-9_.-]+)=/g)) names.add(m[1]!);
    const all = keySlots(names);
    for (const l of lines) {
      // The extension of a CEF line, and the line from its start.
      const bars = l.split('|');
      const ext = bars.length >= 8 ? l.length - bars.slice(7).join('|').length : 0;
      check(l, all, ext);
      check(l, all);
    }
    const r = rng(7);
    const noise = ['\\', '=', ' ', '  ', '\\ ', '\\=', '\\\\', 'a=', ' b=', 'é', '\u0000', '\t', '|'];
    for (let k = 0; k < 40000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      check(s, all, Math.floor(r() * 4));
    }
    expect(checked).to.be.greaterThan(60000);
  });
});

let partsChecked = 0;
function checkParts(m: string, at: number): void {
  partsChecked++;
  expect(cefParts(m, at), `at ${at}: ${JSON.stringify(m)}`).to.deep.equal(cefParts(m, at, true));
}

const HEADERS = [
  '0|Ubiquiti|UniFi Network|9.0.0|201|Blocked by Firewall|5|src=203.0.113.5 spt=51515 dst=192.0.2.10 dpt=22 proto=TCP',
  '0|Acme\\|Gate|Fire\\\\wall|1.0|100|a \\| b|3|src=203.0.113.5 dst=192.0.2.10',
  '0|A|B|C|D|E|F|',
  '0|A|B|C|D|E|F',
  '0|A|B|C|D|E\\',
  '0|A|B|C|D|E|F\\|G|src=1',
  '0|' + 'x'.repeat(300) + '|B|C|D|E|F|src=1',
  '0|A|B|C|D|E|' + 'y'.repeat(4100) + '|src=1',
  '\\|\\\\|||||||',
  '|',
  '',
];

describe('CEF header split: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written headers, every prefix of them and every start', () => {
    for (const m of HEADERS) {
      for (let cut = 0; cut <= Math.min(m.length, 160); cut++) checkParts(m.slice(0, cut), 0);
      for (let at = 0; at <= Math.min(m.length, 40); at++) checkParts(m, at);
    }
    checkParts('0|Acmé|B|C|D|E|F|src=1', 0);
    const p = cefParts(HEADERS[1]!, 0)!;
    expect(p[0]).to.deep.equal(['0', 'Acme|Gate', 'Fire\\wall', '1.0', '100', 'a | b', '3']);
  });

  it('on fixture lines and 20k damaged copies', () => {
    const lines = allFixtureLines();
    const at = (l: string): number => { const c = l.indexOf('CEF:'); return c >= 0 ? c + 4 : 0; };
    for (const l of lines) checkParts(l, at(l));
    const r = rng(29);
    const noise = ['|', '\\', '\\|', '\\\\', '=', ' ', 'é', '\t'];
    for (let k = 0; k < 20000; k++) {
      let s = lines[Math.floor(r() * lines.length)]!;
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) {
        const p = Math.floor(r() * (s.length + 1));
        const op = r();
        if (op < 0.5) s = s.slice(0, p) + noise[Math.floor(r() * noise.length)]! + s.slice(p);
        else if (op < 0.8) s = s.slice(0, p) + s.slice(p + 1 + Math.floor(r() * 8));
        else s = s.slice(0, p);
      }
      checkParts(s, at(s));
    }
    expect(partsChecked).to.be.greaterThan(20000);
  });
});
