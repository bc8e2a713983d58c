/**
 * FortiGate key=value lines are read by scanPairs, which walks an ASCII line's bytes and any other line's
 * characters. The two walks must agree pair for pair: for every line here the byte walk and the character
 * walk give the same values, on written layouts (space and comma separated, "quoted", ""doubled"", \" escapes,
 * stray words, empty values, repeated keys, a line cut anywhere, every start), on generated lines made of the
 * keys parse() reads, and on fixture lines damaged at random. FortiGate's CEF extensions are read by
 * cefFieldsInto (the names renameCef sends to a wanted key, looked up as bytes) and must give what cefFields
 * with renameCef gives on the characters.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { join } from 'node:path';
import { fortigateCef, fortigatePairs } from '../../../src/parsers/fortigate';
import { rng } from '../../../bench/gen';

let checked = 0;
function check(s: string, start = 0, maxPairs = 256): void {
  checked++;
  const bytes = fortigatePairs(s, start, false, maxPairs);
  const chars = fortigatePairs(s, start, true, maxPairs);
  expect(bytes, `at ${start}: ${JSON.stringify(s)}`).to.deep.equal(chars);
}

const WRITTEN = [
  'date=2026-11-23 time=10:00:01 devname="FGT60F" logid="0000000013" type="traffic" subtype="forward" srcip=192.168.1.10 srcport=51000 dstip=198.51.100.80 dstport=443 action="close"',
  'date=2026-11-23,time=10:00:07,devname=FGT60F,logid=0000000013,type=traffic,srcip=192.168.1.12,srcport=52000,dstip=198.51.100.81',
  'date=2026-11-23,time=10:00:07,devname="FGT, office",type=traffic,srcip=192.168.1.12',
  'date=1,2 srcip=192.0.2.1,dstip=192.0.2.2',
  'date=1,2 time=3',
  'type=""traffic"" subtype=""forward"" srcip=""192.0.2.1"" action="""" dstip="" ""',
  'type=""traffic subtype="forward"',
  'policyname="say \\"hi\\" there" srcintf="a\\\\" dstintf="b"',
  'policyname="ends in \\"',
  'attack="x\\ny" app="tab\there"',
  'stray words type=traffic more words srcip=192.0.2.9',
  'a b c',
  '=x type=1 ==y srcip==2 = =',
  'type="x"srcip=1 dstip="2"dstport=3',
  'type=1 type=2 srcip= srcip=192.0.2.1',
  '  , ,type=traffic  ,  srcip=192.0.2.3 ,',
  ',type=traffic,srcip=192.0.2.4',
  'type=',
  'type="',
  'type=""',
  'type=""x',
  'srcip',
  '',
  'x="' + 'v'.repeat(5000) + '" type=traffic',
  'x=""' + 'v'.repeat(3000) + '"" type=traffic srcip=' + '1'.repeat(3000),
];

describe('FortiGate pair scanner: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts, every prefix of them and every start', () => {
    for (const s of WRITTEN) {
      for (let cut = 0; cut <= Math.min(s.length, 220); cut++) check(s.slice(0, cut));
      for (let start = 0; start <= Math.min(s.length, 80); start++) check(s, start);
      check(s, 0, 2);
      check(s, 0, 1);
    }
  });

  it('reads the pairs it is meant to (bytes)', () => {
    const r = fortigatePairs('date=2026-11-23 junk type=""traffic"" srcip="192.0.2.1" policyname="say \\"hi\\"" srcport=1 srcport=2 dstip=');
    expect(r.date).to.equal('2026-11-23');
    expect(r.type).to.equal('traffic');
    expect(r.srcip).to.equal('192.0.2.1');
    expect(r.policyname).to.equal('say "hi"');
    expect(r.srcport).to.equal('1');
    expect(r.dstip).to.equal('');
    expect(r.dstport).to.equal(undefined);
    const c = fortigatePairs('date=2026-11-23,time=10:00:07,srcip=192.0.2.1,dstip=192.0.2.2');
    expect([c.date, c.time, c.srcip, c.dstip]).to.deep.equal(['2026-11-23', '10:00:07', '192.0.2.1', '192.0.2.2']);
  });

  it('takes the character scanner for a line that is not ASCII or too long, with the same result', () => {
    check('policyname="café déjà vu" srcip=192.0.2.5');
    check('srcip=192.0.2.5 devname="日本" type=traffic');
    check('type=traffic ' + 'x=2 '.repeat(3000) + 'srcip=192.0.2.9');
    // Exactly as many UTF-8 bytes as the buffer holds before a 3-byte character that does not fit.
    const mid = ' type=traffic srcip=192.0.2.1 x=';
    check('é' + mid + 'a'.repeat(8190 - mid.length) + '€');
  });

  it('on generated lines of the keys parse() reads', () => {
    const names = Object.keys(fortigatePairs(''));
    const keys = [...names, 'devid', 'vd', 'level', 'msg', 'x'];
    const values = ['192.0.2.1', '""', '"a b"', '""x""', '"a\\"b"', '"a\\\\"', '', 'v,w', '"', '""', '"x', 'a=b', '\\'];
    const seps = [' ', ',', '  ', ', ', ' ,'];
    const r = rng(11);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    for (let k = 0; k < 20000; k++) {
      const sep = pick(seps);
      const parts: string[] = [];
      const np = 1 + Math.floor(r() * 12);
      for (let p = 0; p < np; p++) {
        const q = r();
        parts.push(q < 0.05 ? 'stray' : q < 0.1 ? `${pick(keys)}` : `${pick(keys)}=${pick(values)}`);
      }
      const s = parts.join(r() < 0.8 ? sep : pick(seps));
      check(s, r() < 0.9 ? 0 : Math.floor(r() * 4));
    }
  });

  it('on every fixture line and 40k damaged copies', () => {
    const lines = allFixtureLines();
    for (const l of lines) check(l);
    const r = rng(7);
    const noise = ['"', '""', '\\', '=', ' ', ',', '  ', '\\"', '="', '=""', 'é', '\u0000', '\t'];
    for (let k = 0; k < 40000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      check(s, Math.floor(r() * 4));
    }
    expect(checked).to.be.greaterThan(60000);
  });
});

let cefChecked = 0;
function checkCef(s: string, start = 0): void {
  cefChecked++;
  expect(fortigateCef(s, start), `at ${start}: ${JSON.stringify(s)}`).to.deep.equal(fortigateCef(s, start, true));
}

const CEF_WRITTEN = [
  'deviceExternalId=FGT60FTK00000001 FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward src=192.0.2.1 spt=51000 dst=198.51.100.2 dpt=443 act=accept',
  'src=192.0.2.1 FTNTFGTsrcip=192.0.2.2 ad.srcip=192.0.2.3 FortinetFortiGatesrcip=192.0.2.4 srcip=192.0.2.5',
  'FTNTFGTsrcip=192.0.2.2 src=192.0.2.1 FTNTFGTsrc=x FTNTFGTdst=y dst=198.51.100.9 ad.dst=z',
  'deviceInboundInterface=port 1 deviceOutboundInterface=wan\=1 in=10 out=20 dvchost=edge\\ smac=00:00:5e:00:53:01',
  'sourceTranslatedAddress=203.0.113.1 sourceTranslatedPort=1024 destinationTranslatedAddress=203.0.113.2 destinationTranslatedPort=80',
  'rt=1795428001000 FTNTFGTeventtime=1795428001123456789 FTNTFGTtz=+0000 FTNTFGTpolicyname=LAN out FTNTFGTaction=deny act=accept',
  'constructor=1 toString=2 __proto__=3 hasOwnProperty=4 src=192.0.2.1',
  'ad.=1 FTNTFGT=2 FortinetFortiGate=3 ad.ad.srcip=4 ad.FTNTFGTsrcip=5 src=',
  'junk src=192.0.2.1=x dst==y spt= =',
  '',
];

describe('FortiGate CEF extension: the byte table and cefFields with renameCef agree', function () {
  this.timeout(120000);

  it('on written extensions, every prefix of them and every start', () => {
    for (const s of CEF_WRITTEN) {
      for (let cut = 0; cut <= Math.min(s.length, 200); cut++) checkCef(s.slice(0, cut));
      for (let start = 0; start <= Math.min(s.length, 60); start++) checkCef(s, start);
    }
    checkCef('src=192.0.2.1 msg=déjà dst=198.51.100.2');
  });

  it('reads what parse() needs, first occurrence in each place winning', () => {
    const r = fortigateCef('FTNTFGTsrcip=192.0.2.2 src=192.0.2.1 act=deny FTNTFGTaction=accept dpt=22 in=5', 0);
    expect([r.srcip, r.action, r.dstport, r.rcvdbyte, r.src]).to.deep.equal(['192.0.2.2', 'deny', '22', '5', undefined]);
  });

  it('on generated extensions of the names renameCef maps, and damaged fixture lines', () => {
    const names = ['src', 'dst', 'spt', 'dpt', 'act', 'in', 'out', 'rt', 'cat', 'smac', 'dvchost', 'deviceInboundInterface',
      'FTNTFGTsrcip', 'FTNTFGTlogid', 'FTNTFGTtype', 'FTNTFGTsubtype', 'ad.srcip', 'ad.policyid', 'FortinetFortiGatedstip', 'srcip',
      'FTNTFGTsrc', 'policyname', 'msg', 'x'];
    const values = ['192.0.2.1', '', 'two words', 'x\\=y', 'x\\\\', '\\n', 'a=b', '\\', '  '];
    const r = rng(19);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    for (let k = 0; k < 20000; k++) {
      const parts: string[] = [];
      const np = 1 + Math.floor(r() * 12);
      for (let p = 0; p < np; p++) parts.push(r() < 0.05 ? 'stray' : `${pick(names)}=${pick(values)}`);
      checkCef(parts.join(r() < 0.8 ? ' ' : '  '), r() < 0.9 ? 0 : Math.floor(r() * 4));
    }
    const lines = allFixtureLines();
    const ext = (l: string): number => { const bars = l.split('|'); return bars.length >= 8 ? l.length - bars.slice(7).join('|').length : 0; };
    for (const l of lines) { checkCef(l, ext(l)); checkCef(l); }
    const noise = ['\\', '=', ' ', '\\ ', '\\=', 'src=', ' FTNTFGTsrcip=', 'é', '\t', '|'];
    for (let k = 0; k < 20000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      checkCef(s, ext(s));
    }
    expect(cefChecked).to.be.greaterThan(40000);
  });
});
