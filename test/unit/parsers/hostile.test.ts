/**
 * Every group-A parser, forced, on lines built to make a careless scanner go quadratic or throw:
 * long runs of separators, quotes, keys without values, values without keys. Each must return
 * (an event or null) without an error; the whole file runs well inside mocha's time limit.
 */
import { expect } from 'chai';
import { LineParser } from '../../../src/parsers/registry';

const IDS = ['pfsense', 'cisco-asa', 'cisco-ios', 'meraki', 'fortigate', 'paloalto', 'checkpoint', 'snort'];
const N = 60000;
const LINES = [
  'date=x ' + 'a '.repeat(N / 2) + 'type=traffic logid=1',
  'date=x type=traffic logid=1 ' + '="'.repeat(N / 2),
  'CEF:0|Fortinet|Fortigate|1|2|3|4|' + 'a'.repeat(N) + '=' + '='.repeat(N),
  'CEF:0|Palo Alto Networks|PAN-OS|1|TRAFFIC|end|3|' + 'k=v\\ '.repeat(N / 5),
  'CEF:0|Check Point|VPN-1|x|Log|y|z|' + 'src=' + '\\'.repeat(N),
  '<134>1 2026-11-23T10:00:01Z gw CheckPoint 1 - [' + 'a:"'.repeat(N / 3) + ']',
  '<134>1 2026-11-23T10:00:01Z gw CheckPoint 1 - [action:"Drop"; ' + 'x:"\\"; '.repeat(N / 8) + 'src:"192.0.2.1"]',
  '1,2026/11/23 10:00:01,0,TRAFFIC,' + '"'.repeat(N),
  '1,2026/11/23 10:00:01,0,THREAT,' + ',"a,"'.repeat(N / 5),
  '%ASA-6-302013: Built inbound TCP connection 1 for ' + 'a:b/c '.repeat(N / 6),
  '%ASA-5-106100: access-list ' + '( '.repeat(N / 2),
  '%FTD-1-430002: ' + ': , '.repeat(N / 4),
  '%SEC-6-IPACCESSLOGP: list ' + '-> '.repeat(N / 3),
  '1795428001.1 MX flows ' + 'src='.repeat(N / 4),
  '5,,,1,igb0,match,block,in,4' + ','.repeat(N),
  'snort[1]: [1:2:3] x {TCP} ' + ' -> '.repeat(N / 4),
  'filterlog: ' + '1,'.repeat(N / 2),
];

describe('group A parsers on hostile lines', () => {
  for (const id of IDS) {
    it(`${id}: no error, no hang`, () => {
      const p = new LineParser({ format: id, tz: 'UTC', refMs: Date.UTC(2026, 10, 23) });
      for (const l of LINES) p.parse(l);
      expect(p.stats.errors, p.stats.lastError).to.equal(0);
      expect(p.stats.lines).to.equal(LINES.length);
    });
  }
  it('auto-detection: no error, no hang', () => {
    const p = new LineParser({ tz: 'UTC' });
    for (const l of LINES) p.parse(l);
    expect(p.stats.errors, p.stats.lastError).to.equal(0);
  });
});

describe('snort hostile tail', () => {
  it('reads only the last "{PROTO} a -> b" and stays linear on many braces', () => {
    const p = new LineParser({ format: 'snort', tz: 'UTC' });
    const ev = p.parse('<33>Nov 23 10:00:01 fw snort[1]: [1:2:3] rule {TCP} 192.0.2.1:1 -> 192.0.2.2:2 text ' + '{'.repeat(60000) + ' {TCP} 203.0.113.9:4444 -> 198.51.100.2:22');
    expect(p.stats.errors).to.equal(0);
    expect(ev?.source.ip).to.equal('203.0.113.9');
  });
});
