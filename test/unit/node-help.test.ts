/**
 * The help text of every node states defaults ("**Slow: ports in a day** (default 10)"): each one must be the
 * value the edit dialog really starts with, read from the node's `defaults` and its label from the locale file.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures';
import { DEFAULT_CONFIG } from '../../src/detect/config';

const NODES = join(ROOT, 'nodes');
const UNITS: Record<string, number> = { s: 1, second: 1, seconds: 1, minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };

/** `defaults: { key: { value: X …` of a node's registration (numbers, strings and booleans). */
function defaultsOf(html: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const block = /defaults:\s*\{([\s\S]*?)\n\s{8}\},/.exec(html)?.[1] ?? '';
  for (const m of block.matchAll(/(\w+):\s*\{\s*value:\s*('[^']*'|"[^"]*"|-?[\d.]+|true|false)/g)) {
    const v = m[2]!;
    out.set(m[1]!, /^['"]/.test(v) ? v.slice(1, -1) : v === 'true' ? true : v === 'false' ? false : Number(v));
  }
  return out;
}

describe('node help text', () => {
  const nodes = readdirSync(NODES).filter((d) => d.startsWith('gatewatch-'));
  it('finds the nodes', () => expect(nodes.length).to.be.at.least(12));
  for (const name of nodes) {
    it(`${name}: every "(default N)" in the help is the dialog's default`, () => {
      const html = readFileSync(join(NODES, name, `${name}.html`), 'utf8');
      const labels = (JSON.parse(readFileSync(join(NODES, name, 'locales', 'en-US', `${name}.json`), 'utf8'))[name]?.label ?? {}) as Record<string, string>;
      const defaults = defaultsOf(html);
      const help = /<script type="text\/markdown" data-help-name[^>]*>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
      let checked = 0;
      for (const m of help.matchAll(/\*\*([^*]+)\*\* \(default (-?[\d.]+)(?: (\w+))?/g)) {
        const [, shown, num, unit] = m;
        // The field whose dialog label is the text shown (a "(s)" unit suffix aside).
        const keys = Object.entries(labels).filter(([k, l]) => defaults.has(k) && l.replace(/ \(s\)$/, '') === shown).map(([k]) => k);
        expect(keys, `${name}: no field labelled "${shown}"`).to.have.length(1);
        const key = keys[0]!;
        const inSeconds = /\(s\)$/.test(labels[key]!);
        const want = Number(num) * (inSeconds && unit && UNITS[unit] ? UNITS[unit]! : 1);
        expect(Number(defaults.get(key)), `${name}: ${shown}`).to.equal(want);
        checked++;
      }
      if (name === 'gatewatch-detect') expect(checked).to.be.at.least(8);
    });
  }

  it('gatewatch-detect: the dialog starts with the engine\'s own defaults', () => {
    const defaults = defaultsOf(readFileSync(join(NODES, 'gatewatch-detect', 'gatewatch-detect.html'), 'utf8'));
    const d = DEFAULT_CONFIG;
    const engine: Record<string, number> = {
      quietPeriodS: d.general.quietPeriodS, fastPorts: d.portscan.fastPorts, slowPorts: d.portscan.slowPorts, sweepHosts: d.sweep.hosts,
      bruteFastCount: d.bruteforce.fastCount, bruteFastWindowS: d.bruteforce.fastWindowS, bruteSlowCount: d.bruteforce.slowCount,
      bruteSlowWindowS: d.bruteforce.slowWindowS, beaconContacts: d.beacon.minContacts, beaconMaxCv: d.beacon.maxCv, beaconCommon: d.beacon.commonHosts,
      floodSource: d.flood.sourceEvents, floodDest: d.flood.destEvents, floodWindowS: d.flood.windowS, ipv6Prefix: d.general.ipv6Prefix,
    };
    for (const [k, v] of Object.entries(engine)) expect(defaults.get(k), k).to.equal(v);
  });
});
