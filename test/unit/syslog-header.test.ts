import { expect } from 'chai';
import { parseHeader } from '../../src/syslog/header';
import { isoOf, msOfIso } from '../../src/syslog/time';

const opts = { tz: 'UTC', refMs: Date.UTC(2026, 10, 23, 12, 0, 0) };
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('syslog header', () => {
  it('reads RFC 3164 with PRI, host and tag[pid]', () => {
    const h = parseHeader('<134>Nov 23 10:00:01 fw1 filterlog[123]: 5,,,1000,em0', opts);
    expect(h).to.include({ format: 'rfc3164', pri: 134, facility: 16, severity: 6, hostname: 'fw1', appName: 'filterlog', procId: '123', message: '5,,,1000,em0' });
    expect(iso(h.time)).to.equal('2026-11-23T10:00:01.000Z');
  });
  it('reads a file line without PRI and a space-padded day', () => {
    const h = parseHeader('Nov  3 09:08:07 host kernel: [ 12.5] IN=eth0', opts);
    expect(h.hostname).to.equal('host');
    expect(h.appName).to.equal('kernel');
    expect(h.message).to.equal('[ 12.5] IN=eth0');
    expect(iso(h.time)).to.equal('2026-11-03T09:08:07.000Z');
  });
  it('infers last year for a date more than a month ahead', () => {
    const h = parseHeader('Dec 31 23:59:59 host app: x', { tz: 'UTC', refMs: Date.UTC(2027, 0, 2) });
    expect(iso(h.time)).to.equal('2026-12-31T23:59:59.000Z');
  });
  it('applies the site timezone to zoneless times, including DST', () => {
    const summer = parseHeader('Jul  1 12:00:00 h a: x', { tz: 'Europe/London', refMs: Date.UTC(2026, 6, 2) });
    expect(iso(summer.time)).to.equal('2026-07-01T11:00:00.000Z');
    const winter = parseHeader('Jan  1 12:00:00 h a: x', { tz: 'Europe/London', refMs: Date.UTC(2026, 0, 2) });
    expect(iso(winter.time)).to.equal('2026-01-01T12:00:00.000Z');
  });
  it('reads Cisco ASA year-before-time with no host', () => {
    const h = parseHeader('<166>Nov 23 2026 10:00:01: %ASA-6-302013: Built inbound', opts);
    expect(h.hostname).to.equal(undefined);
    expect(h.message).to.equal('%ASA-6-302013: Built inbound');
    expect(iso(h.time)).to.equal('2026-11-23T10:00:01.000Z');
  });
  it('reads RFC 5424 with structured data and BOM', () => {
    const h = parseHeader('<165>1 2026-11-23T10:00:01.250+01:00 fw.example.net app 77 ID47 [ex@32473 a="x\\]y" b="2"][meta seq="1"] \uFEFFhello world', opts);
    expect(h).to.include({ format: 'rfc5424', hostname: 'fw.example.net', appName: 'app', procId: '77', msgId: 'ID47', message: 'hello world' });
    expect(h.structuredData).to.equal('[ex@32473 a="x\\]y" b="2"][meta seq="1"]');
    expect(iso(h.time)).to.equal('2026-11-23T09:00:01.250Z');
  });
  it('reads RFC 5424 with nil values', () => {
    const h = parseHeader('<14>1 - - - - - - just text', opts);
    expect(h.format).to.equal('rfc5424');
    expect(h.hostname).to.equal(undefined);
    expect(h.message).to.equal('just text');
  });
  it('reads ISO timestamps in BSD position', () => {
    const h = parseHeader('<6>2021-03-12T14:10:18Z Hostname kernel: [x]IN=', opts);
    expect(h.hostname).to.equal('Hostname');
    expect(iso(h.time)).to.equal('2021-03-12T14:10:18.000Z');
  });
  it('never throws and keeps the text of garbage', () => {
    for (const s of ['', '<', '<999>x', '<12', '<1>1 ', 'Nov', 'Nov 99 99:99:99 x', '\u0000\u0001\uFFFD', '<34>1 2026-13-45T99:00:00Z h a p m [unterminated']) {
      const h = parseHeader(s, opts);
      expect(h.message).to.be.a('string');
    }
    expect(parseHeader('<999>x', opts).pri).to.equal(undefined);
  });
});

describe('isoOf', () => {
  it('throws for a time Date cannot write, again when asked again, and then writes the next time', () => {
    const ok = Date.UTC(2026, 10, 23, 8, 0, 2, 712);
    for (const bad of [NaN, 8.64e15 + 1, -Infinity]) {
      expect(isoOf(ok)).to.equal('2026-11-23T08:00:02.712Z');
      expect(() => isoOf(bad), String(bad)).to.throw(RangeError);
      expect(() => isoOf(bad), String(bad)).to.throw(RangeError);
      expect(msOfIso('2026-11-23T08:00:02.712Z')).to.be.NaN;
      expect(isoOf(ok)).to.equal('2026-11-23T08:00:02.712Z');
    }
  });
});
