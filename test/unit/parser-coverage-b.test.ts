/**
 * Every group-B vendor parser is exercised by its own fixtures: at least one fixture line comes out
 * with that parser's dataset, and that parser's id is accepted by --format.
 */
import { expect } from 'chai';
import { LineParser, parserById } from '../../src/parsers/registry';
import { vendorFixtures } from '../helpers/fixtures';

const GROUP_B = ['juniper-srx', 'sophos', 'sonicwall', 'watchguard', 'mikrotik', 'barracuda', 'windows-firewall', 'zyxel', 'draytek',
  'stormshield', 'clavister', 'peplink', 'netscreen', 'lancom', 'f5-bigip', 'ekinops-oneos', 'cef', 'leef'];
const REF = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('group B parsers: fixture coverage', () => {
  const seen = new Map<string, number>();
  before(() => {
    const parser = new LineParser({ format: 'auto', tz: 'UTC', refMs: REF });
    for (const fx of vendorFixtures()) {
      for (const line of fx.lines) {
        const ev = parser.parse(line, REF);
        if (ev) seen.set(ev.event.dataset, (seen.get(ev.event.dataset) ?? 0) + 1);
      }
    }
  });
  for (const id of GROUP_B) {
    it(`${id} is registered and its fixtures produce events`, () => {
      expect(parserById(id), id).to.not.equal(undefined);
      expect(seen.get(`gatewatch.${id}`) ?? 0, id).to.be.greaterThan(1);
    });
  }
});
