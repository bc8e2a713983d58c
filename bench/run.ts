/**
 * `npm run bench [-- name …]`: runs the benchmarks (all, or the named ones) and prints a table.
 * Each bench module exports `run(): Promise<void>` and prints its own figures; medians of several
 * runs, with a peer measured in the same run where one exists (these machines are noisy).
 */
type Bench = { run(): Promise<void> };

const BENCHES: Record<string, () => Bench> = {
  parse: () => require('./parse'),
  'psad-compare': () => require('./psad-compare'),
  'parsers-a': () => require('./parsers-a') as Bench,
  enrich: () => require('./enrich') as Bench,
  report: () => require('./report') as Bench,
  hub: () => require('./hub') as Bench,
  detect: () => require('./detect'),
  pipeline: () => require('./pipeline') as Bench,
  soak: () => require('./soak') as Bench,
};

async function main(): Promise<void> {
  const want = process.argv.slice(2);
  const names = want.length ? want : Object.keys(BENCHES);
  for (const n of names) {
    const b = BENCHES[n];
    if (!b) { console.error(`unknown bench "${n}"; known: ${Object.keys(BENCHES).join(', ')}`); process.exitCode = 2; return; }
    console.log(`\n=== ${n} ===`);
    await b().run();
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
