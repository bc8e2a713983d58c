/**
 * Every vendor's own fixtures (test/fixtures/<vendor>/*.log, written from vendor documentation):
 * each line's expected fields, or null for lines that are not network events.
 */
import { expect } from 'chai';
import { LineParser } from '../../src/parsers/registry';
import { get, vendorFixtures } from '../helpers/fixtures';

const REF = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('vendor fixtures (auto-detection)', () => {
  for (const fx of vendorFixtures()) {
    describe(`${fx.vendor}/${fx.name}`, () => {
      it('has one expected value per line', () => {
        expect(fx.expected.length).to.equal(fx.lines.length);
      });
      fx.lines.forEach((line, i) => {
        const want = fx.expected[i];
        it(`line ${i + 1}: ${want === null ? 'not a network event' : Object.keys(want ?? {}).length + ' fields'}`, () => {
          const parser = new LineParser({ format: 'auto', tz: 'UTC', refMs: REF });
          const ev = parser.parse(line, REF);
          expect(parser.stats.errors, parser.stats.lastError).to.equal(0);
          if (want === null) {
            expect(ev, 'should not be recognised').to.equal(null);
            return;
          }
          expect(ev, 'should be recognised').to.not.equal(null);
          for (const [k, v] of Object.entries(want!)) {
            expect(get(ev, k), k).to.deep.equal(v);
          }
        });
      });
    });
  }
});
