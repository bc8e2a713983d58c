/**
 * The README's "Supported log formats" table is what an owner reads to set up a box: every registered format has
 * a row there, with its id and a hint on how to send syslog from that make (the issue asks for both), and the
 * table names no format the registry does not have.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARSERS } from '../../src/parsers/registry';
import { ROOT } from '../helpers/fixtures';

describe('README: supported log formats', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Supported log formats');
  const table = readme.slice(start, readme.indexOf('\n## ', start + 10)).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Make') && !l.startsWith('|--'));
  /** The format ids a row names in its second column (`cef`, `leef` share one row). */
  const idsOf = (row: string) => [...(row.split(' | ')[1] ?? '').matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!);

  it('has the table', () => {
    expect(start).to.be.greaterThan(0);
    expect(table.length).to.be.at.least(20);
  });
  for (const p of PARSERS) {
    it(`${p.id}: a row with its id and how to send syslog from it`, () => {
      const row = table.find((r) => idsOf(r).includes(p.id));
      expect(row, `no README row for \`${p.id}\``).to.not.equal(undefined);
      const hint = row!.split(' | ')[2] ?? '';
      expect(hint.replace(/\|/g, '').trim().length, `${p.id}: empty hint`).to.be.greaterThan(15);
    });
  }
  it('names no format the registry lacks', () => {
    const known = new Set(PARSERS.map((p) => p.id));
    for (const row of table) for (const id of idsOf(row)) expect(known.has(id), id).to.equal(true);
  });
});
