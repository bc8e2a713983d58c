/**
 * buildEvent reads some 28 fields of the Flow a vendor parser hands it. When the flows of different vendors
 * have different hidden classes (V8 "maps"), each of those reads becomes a megamorphic lookup, about 2k
 * instructions a line in all. An object spread (`{ ...FLOW, src, … }`) looked as if it gave one shape but
 * gave one per call site; newFlow() gives one. This test keeps it so: every flow built from every fixture
 * line has the same map as a fresh newFlow().
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import * as flowModule from '../../../src/parsers/flow';
import { LineParser } from '../../../src/parsers/registry';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('every vendor flow has one object shape', () => {
  it('while parsing every fixture line', () => {
    const seen: { dataset: string; flow: object }[] = [];
    const mod = flowModule as { buildEvent: typeof flowModule.buildEvent };
    const original = mod.buildEvent;
    mod.buildEvent = (dataset, vendor, product, h, ctx, f) => { seen.push({ dataset, flow: f }); return original(dataset, vendor, product, h, ctx, f); };
    try {
      const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
      const p = new LineParser({ format: 'auto', tz: 'UTC' });
      for (const vendor of readdirSync(dir)) {
        for (const f of readdirSync(join(dir, vendor))) {
          if (!f.endsWith('.log')) continue;
          for (const l of readFileSync(join(dir, vendor, f), 'utf8').split('\n')) if (l) p.parse(l, Date.UTC(2026, 10, 23));
        }
      }
    } finally {
      mod.buildEvent = original;
    }
    const datasets = new Set(seen.map((s) => s.dataset));
    expect(datasets.size, 'vendors that build through buildEvent').to.be.greaterThan(10);
    const ref = flowModule.newFlow();
    const odd = [...new Set(seen.filter((s) => !haveSameMap(s.flow, ref)).map((s) => s.dataset))];
    expect(odd, 'datasets whose flows have another shape').to.deep.equal([]);
  });
});
