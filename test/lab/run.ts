/**
 * `npm run lab`: runs the real-traffic lab once (as root) and writes test-output/lab/lab.log and
 * lab.manifest.json, the input of `npm run bench -- psad-compare`.
 */
import { checkPrereqs, Lab, LOG_FILE, MANIFEST_FILE } from './lab';

async function main(): Promise<void> {
  const pre = checkPrereqs();
  if (!pre.ok) {
    console.error(`lab cannot run: ${pre.reason}`);
    process.exitCode = 2;
    return;
  }
  const lab = new Lab(pre, { log: (m) => console.error(m) });
  const stop = () => {
    void lab.teardown().then(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await lab.setup();
    const m = await lab.run();
    for (const s of m.scenarios) {
      console.log(`${s.name.padEnd(15)} ${s.source.padEnd(14)} ${String(s.lines).padStart(5)} lines ${String(s.duration_s).padStart(6)} s  ${s.error ?? s.tool_output}`);
    }
    console.log(`${m.total_lines} lines in ${m.duration_s} s (firewall ${m.firewall}) → ${LOG_FILE}, ${MANIFEST_FILE}`);
  } finally {
    await lab.teardown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
