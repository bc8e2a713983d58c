/**
 * Check Point's Log Exporter pairs (`key:"value"; …`) and SD parameters (`key="value" …`) are read by one
 * byte walk for ASCII text and by the character scanners for the rest. For every text here the two must
 * give the same pairs: written layouts (escaped quotes and backslashes, "ike::", empty and unterminated
 * values, stray text, "]" inside and outside quotes, repeated keys, a text cut anywhere, every start),
 * generated texts of the keys parse() reads, and fixture lines damaged at random. The CEF form's extension is
 * read by cefFieldsInto (the names renameCef sends to a key parse() reads) and must give what cefFields with
 * renameCef gives.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { join } from 'node:path';
import { checkpointPairs } from '../../../src/parsers/checkpoint';
import { rng } from '../../../bench/gen';

let checked = 0;
function check(s: string, start = 0): void {
  checked++;
  for (const kind of ['colon', 'eq', 'cef'] as const) {
    expect(checkpointPairs(s, start, kind), `${kind} at ${start}: ${JSON.stringify(s)}`).to.deep.equal(checkpointPairs(s, start, kind, true));
  }
}

const WRITTEN = [
  '[action:"Drop"; flags:"411908"; ifdir:"inbound"; ifname:"eth1"; origin:"198.51.100.2"; time:"1795428001"; dst:"198.51.100.2"; proto:"6"; s_port:"44000"; service:"3389"; src:"203.0.113.60"]',
  '[Fields@1.3.6.1.4.1.2620 action="Accept" src="192.0.2.5" dst="198.51.100.9" proto="17" service="53" rule_name="DNS out"]',
  'action="Accept" src="192.0.2.5" dst="198.51.100.9" proto="17" service="53" rule_name="DNS out"]',
  'rule_name:"say \\"hi\\""; src:"192.0.2.1"; product:"a\\\\"; dst:"192.0.2.2"',
  'rule_name:"a\\bc"; src:"x\\\\\\"y"; dst:"end\\',
  'rule_name="a\\"b" src="c\\\\" dst="d"',
  'ike::"x"; src::"192.0.2.1"; dst:::"192.0.2.2"',
  'src:"1";;;  ;dst:"2"; ;]; action:"Drop"',
  'src:"a]b"; dst:"2"] action:"Drop"',
  'src:1; dst:"2"',
  'src="1" dst=2 action="3"',
  'stray text src:"1"',
  ':"x"; src:"1"',
  '="x" src="1"',
  'src:"1"; src:"2"; dst:""; dst:"3"',
  'src="1" src="2" dst="" dst="3"',
  'src:"',
  'src="',
  'src:',
  'src',
  '',
  'x:"' + 'v'.repeat(5000) + '"; src:"1"',
];

describe('Check Point pair scanner: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts, every prefix of them and every start', () => {
    for (const s of WRITTEN) {
      for (let cut = 0; cut <= Math.min(s.length, 220); cut++) check(s.slice(0, cut));
      for (let start = 0; start <= Math.min(s.length, 80); start++) check(s, start);
    }
  });

  it('reads the pairs it is meant to (bytes)', () => {
    const c = checkpointPairs('action:"Drop"; junk:"x"; src:"192.0.2.1"; rule_name:"say \\"hi\\""; src:"192.0.2.9"; dst:"a\\bc"]', 0, 'colon');
    expect({ ...c }).to.deep.equal({ action: 'Drop', src: '192.0.2.1', rule_name: 'say "hi"', dst: 'a\\bc' });
    const e = checkpointPairs('action="Accept" src="192.0.2.5" x="]" dst="198.51.100.9"] proto="6"', 0, 'eq');
    expect({ ...e }).to.deep.equal({ action: 'Accept', src: '192.0.2.5', dst: '198.51.100.9' });
  });

  it('takes the character scanners for text that is not ASCII or too long, with the same result', () => {
    check('rule_name:"café"; src:"192.0.2.1"');
    check('rule_name="日本" src="192.0.2.1"');
    check('src:"1"; ' + 'x:"2"; '.repeat(2000) + 'dst:"192.0.2.9"');
    const mid = 'src:"192.0.2.1"; rule_name:"';
    check('é' + mid + 'a'.repeat(8190 - mid.length) + '€');
  });

  it('on generated texts of the keys parse() reads', () => {
    const keys = ['src', 'dst', 'action', 'time', 'product', 'origin', 'ifname', 'ifdir', 'proto', 's_port', 'service', 'rule_name',
      'rule_uid', 'xlatesrc', 'layer_name', 'loguid', 'flags', 'x', 'ike:', ''];
    const values = ['192.0.2.1', '', 'two words', 'a\\"b', 'a\\\\', 'a\\', 'a]b', 'a;b', 'a:"b', 'a="b', '\\\\\\"', 'x\\y'];
    const r = rng(17);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    for (let k = 0; k < 20000; k++) {
      const sep = r() < 0.5 ? ':' : '=';
      const join = sep === ':' ? pick(['; ', ';', ' ', ';;  ']) : pick([' ', '  ', '; ']);
      const parts: string[] = [];
      const np = 1 + Math.floor(r() * 10);
      for (let p = 0; p < np; p++) parts.push(r() < 0.05 ? 'stray' : `${pick(keys)}${sep}"${pick(values)}"`);
      let s = parts.join(join);
      if (r() < 0.3) s += ']';
      check(s, r() < 0.9 ? 0 : Math.floor(r() * 4));
    }
  });

  it('CEF: written and generated extensions of the names parse() reads', () => {
    const head = '0|Check Point|VPN-1 & FireWall-1|Check Point|Log|https|Unknown|';
    const written = [
      'act=Drop deviceDirection=0 rt=1795428006000 spt=45000 dpt=443 cs2Label=Rule Name cs2=Block bad hosts ifname=eth1 origin=198.51.100.2 dst=198.51.100.2 product=VPN-1 & FireWall-1 proto=6 src=203.0.113.61',
      'act=Accept action=Drop spt=1 s_port=2 dpt=3 service=4 in=5 bytes_in=6 out=7 deviceInboundInterface=eth0 ifname=eth9',
      'sourceTranslatedAddress=192.0.2.1 xlatesrc=192.0.2.2 destinationTranslatedAddress=192.0.2.3 constructor=1 __proto__=2 toString=3 src=1',
      'msg=a\\=b src=192.0.2.1\\ x dst= act=',
    ];
    for (const w of written) {
      const s = head + w;
      for (let cut = 0; cut <= Math.min(s.length, 260); cut++) check(s.slice(0, cut));
      for (let start = 0; start <= 40; start++) check(s, start);
    }
    const c = checkpointPairs(head + written[1]!, 0, 'cef');
    expect([c.action, c.s_port, c.service, c.bytes_in, c.ifname]).to.deep.equal(['Accept', '1', '3', '5', 'eth0']);
    const names = ['act', 'action', 'spt', 's_port', 'dpt', 'service', 'deviceDirection', 'rt', 'cs2', 'cs2Label', 'in', 'out',
      'destinationTranslatedAddress', 'sourceTranslatedAddress', 'deviceInboundInterface', 'src', 'dst', 'proto', 'product', 'time',
      'bytes_in', 'rule_name', 'x'];
    const values = ['192.0.2.1', '', 'two words', 'x\\=y', 'x\\\\', 'a=b', '\\', ' '];
    const r = rng(23);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    for (let k = 0; k < 10000; k++) {
      const parts: string[] = [];
      const np = 1 + Math.floor(r() * 10);
      for (let p = 0; p < np; p++) parts.push(r() < 0.05 ? 'stray' : `${pick(names)}=${pick(values)}`);
      check(head + parts.join(r() < 0.8 ? ' ' : '  '));
    }
  });

  it('on every fixture line and 40k damaged copies', () => {
    const lines = allFixtureLines();
    // Each line from its start and from its first "[" (where the pairs of the Check Point forms begin).
    const starts = (l: string): number[] => {
      const at = [0];
      const b = l.indexOf('[');
      if (b >= 0) at.push(b + 1);
      const c = l.indexOf('CEF:');
      if (c >= 0) at.push(c + 4);
      return at;
    };
    for (const l of lines) for (const at of starts(l)) check(l, at);
    const r = rng(7);
    const noise = ['"', '\\', '\\"', '\\\\', ':', '::', ':"', '=', '="', ';', ' ', ']', 'é', '\u0000', '\t'];
    for (let k = 0; k < 40000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      const st = starts(s);
      check(s, st[Math.floor(r() * st.length)]!);
    }
    expect(checked).to.be.greaterThan(70000);
  });
});
