/**
 * PAN-OS CSV records are split on the line's bytes (csvFieldsBytes: each field's place, sliced only when read)
 * when the line is ASCII, and by splitCsv otherwise. The two must give the same fields: on written layouts
 * (quoted fields, "" escapes, text after a closing quote, an unterminated quote, empty fields), every prefix
 * of them and every start, the fixture lines and lines damaged at random.
 */
import { expect } from 'chai';
import { allFixtureLines, damage } from './helpers';
import { csvField, csvFieldsBytes, splitCsv } from '../../../src/parsers/paloalto';
import { rng } from '../../../bench/gen';

let checked = 0;
function check(s: string, start = 0, max = 37): void {
  checked++;
  const chars = splitCsv(s, start, max);
  const count = csvFieldsBytes(s, start, max);
  // (-1: not ASCII; parseCsv then uses splitCsv itself)
  if (count < 0) { expect(/^[\x00-\x7f]*$/.test(s), JSON.stringify(s)).to.equal(false); return; }
  expect(count, `count at ${start}: ${JSON.stringify(s)}`).to.equal(chars.length);
  const bytes = Array.from({ length: count }, (_, k) => csvField(s, k));
  expect(bytes, `at ${start}: ${JSON.stringify(s)}`).to.deep.equal(chars);
}

const WRITTEN = [
  '1,2026/11/23 10:00:01,001801000001,TRAFFIC,drop,2561,2026/11/23 10:00:01,203.0.113.5,198.51.100.10,0.0.0.0,0.0.0.0,deny-all',
  'a,"b,c",d',
  '"x ""y""",,z',
  '"a"junk,b',
  '"unterminated,a,b',
  '"",""""',
  ',,,',
  '"a""',
  'a,"b""c,d"',
  '"',
  '',
  'x,"a b",,"c""d""e",f,',
];

describe('PAN-OS CSV: bytes and characters agree', function () {
  this.timeout(120000);

  it('on written layouts, every prefix of them and every start', () => {
    for (const s of WRITTEN) {
      for (let cut = 0; cut <= s.length; cut++) check(s.slice(0, cut));
      for (let start = 0; start <= s.length; start++) { check(s, start); check(s, start, 2); }
    }
  });

  it('slices only the fields asked for, with "" read as one quote', () => {
    expect(csvFieldsBytes('a,"b,""c""",d', 0, 10)).to.equal(3);
    expect(csvField('a,"b,""c""",d', 1)).to.equal('b,"c"');
    expect(csvFieldsBytes('a,b,c,d', 0, 2)).to.equal(2);
  });

  it('leaves a line that is not ASCII to splitCsv', () => {
    expect(csvFieldsBytes('a,"é",b', 0, 10)).to.equal(-1);
    expect(csvFieldsBytes('a,b', 0, 65)).to.equal(-1);
  });

  it('on every fixture line and 40k damaged copies', () => {
    const lines = allFixtureLines();
    for (const l of lines) { check(l); check(l, 0, 64); }
    const r = rng(13);
    const noise = [',', '"', '""', ',"', '",', ' ', ',,', 'é'];
    for (let k = 0; k < 40000; k++) {
      const s = damage(lines[Math.floor(r() * lines.length)]!, r, noise);
      check(s, Math.floor(r() * 3), 5 + Math.floor(r() * 60));
    }
    expect(checked).to.be.greaterThan(40000);
  });
});
