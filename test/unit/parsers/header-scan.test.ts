/**
 * parseHeader reads an ASCII line of up to 8 KiB on its bytes (headerBytes, with the byte twins of the
 * timestamp readers in time.ts) and any other line on its characters. The two readings must give the same
 * header, field for field: on written layouts (every header variant the parser knows, each cut at every
 * length), on every fixture line and on lines damaged at random.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { parseHeader } from '../../../src/syslog/header';
import { asciiBytes } from '../../../src/parsers/ascii';
import { rng } from '../../../bench/gen';

const REF = Date.UTC(2026, 10, 23, 12, 0, 0);
const ZONES = ['UTC', 'Europe/London', 'America/New_York'];

const POISON = ' 2026-11-23T10:00:01.000+01:00 Nov 23 2026 10:00:01: 1 '.repeat(200).slice(0, 8192);

let checked = 0;
function check(line: string): void {
  for (const tz of ZONES) {
    checked++;
    const opts = { tz, refMs: REF };
    const chars = parseHeader(line, opts, true);
    // The bytes past a line are left from earlier ones: make them look like the rest of a header, so that a
    // read past the end would be seen.
    asciiBytes(POISON);
    const bytes = parseHeader(line, opts);
    expect(bytes, `${tz}: ${JSON.stringify(line)}`).to.deep.equal(chars);
  }
}

const WRITTEN = [
  '<134>1 2026-11-23T10:00:01.123456+01:00 fw01 filterlog 4321 - - 5,,,1000000103,igb0,match,block,in,4',
  '<134>1 2026-11-23T10:00:01Z fw01 app - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"l]e" eventID="1011"][b@1 x="]"] msg here',
  '<134>1 - - - - - -',
  '<134>1 2026-11-23T10:00:01+0100 - - - - [a@1 x="unterminated',
  '<134>1 2026-11-23 10:00:01 host app 1 2 - msg',
  '<14>Nov 23 10:00:01 router kernel: [UFW BLOCK] IN=eth0 SRC=203.0.113.5',
  '<14>Nov  3 10:00:01 router kernel: x',
  '<14>Nov 3 10:00:01.123 router dropbear[123]: x',
  'Nov 23 2026 10:00:01: %ASA-4-106023: Deny tcp',
  '<166>Nov 23 2026 10:00:01 asa01 : %ASA-6-302013: Built',
  'Nov 23 10:00:01 2026 host app: x',
  'Nov 23 10:00:01 2026',
  'Nov 23 10:00:01 1999x host',
  '2026-11-23T10:00:01.5-05:30 host app[12]: msg',
  '2026-11-23 10:00:01,250 host app msg',
  '<30>device="SFW" date=2026-11-23 time=10:00:00 log_type="Firewall"',
  '<13>Nov 23 10:00:01 ubnt ubnt kernel: x',
  '<13>Nov 23 10:00:01 host user.info app: x',
  '<13>Nov 23 10:00:01 host\tapp: tab',
  '<13>Nov 23 10:00:01     host   app:    spaced',
  '<13>Nov 23 10:00:01 host [tag]: x',
  '<13>Nov 23 10:00:01 host %tag: x',
  '<13>Nov 23 10:00:01 host filterlog[123] 5,,,',
  '<13>Nov 23 10:00:01 host app[12x] x',
  '<13>Nov 23 10:00:01 host: x',
  '<999>Nov 23 10:00:01 host app: x',
  '<1>',
  '<>x',
  'Feb 30 25:61:61 host app: x',
  'x'.repeat(300) + ' app: y',
  '<13>Nov 23 10:00:01 ' + 'h'.repeat(300) + ' app: y',
  '<13>Nov 23 10:00:01 host ' + 'a'.repeat(255) + ': y',
  '\u0000<13>Nov 23 10:00:01 host app: x',
  '',
];

describe('syslog header: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts and every prefix of them', () => {
    for (const s of WRITTEN) for (let cut = 0; cut <= Math.min(s.length, 320); cut++) check(s.slice(0, cut));
  });

  it('reads a header as bytes as it should', () => {
    const h = parseHeader('<134>1 2026-11-23T10:00:01Z fw01 app 12 ID1 [a@1 b="c"] hello', { tz: 'UTC', refMs: REF });
    expect(h).to.include({ format: 'rfc5424', pri: 134, hostname: 'fw01', appName: 'app', procId: '12', msgId: 'ID1',
      structuredData: '[a@1 b="c"]', message: 'hello', time: Date.UTC(2026, 10, 23, 10, 0, 1) });
    const b = parseHeader('<14>Nov 23 10:00:01 router dropbear[7]: x y', { tz: 'UTC', refMs: REF });
    expect(b).to.include({ format: 'rfc3164', hostname: 'router', appName: 'dropbear', procId: '7', message: 'x y' });
  });

  it('takes the character reading for a line that is not ASCII or longer than 8 KiB, with the same result', () => {
    check('<13>Nov 23 10:00:01 hôte app: x');
    check('<13>Nov 23 10:00:01 host app: café');
    check('\ufeff<13>Nov 23 10:00:01 host app: x');
    check('<134>1 2026-11-23T10:00:01Z h a - - - \ufeffBOM message');
    const head = '<13>Nov 23 10:00:01 host app: ';
    for (const len of [1023, 1024, 1025, 8191, 8192, 8193]) check(head + 'm'.repeat(len - head.length));
    // Non-ASCII only past where the header ends, and at the very end of a line that just fits.
    check(head + 'm'.repeat(8190 - head.length) + '€');
    check(head + 'm'.repeat(8191 - head.length) + 'é');
    check('<134>1 2026-11-23T10:00:01Z h a - - [x@1 y="' + 'z'.repeat(2000) + '"] m');
  });

  it('on every fixture line and 30k damaged copies', () => {
    const lines = allFixtureLines();
    for (const l of lines) check(l);
    const r = rng(11);
    const noise = ['"', '\\', ']', '[', ' ', '  ', '\t', ':', '<', '>', '-', '1 ', 'é', '\u0000', '2026-11-23T', 'Nov 23 '];
    for (let k = 0; k < 10000; k++) check(damage(lines[Math.floor(r() * lines.length)]!, r, noise));
    expect(checked).to.be.greaterThan(30000);
  });
});
