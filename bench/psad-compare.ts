/**
 * `npm run bench -- psad-compare`: gatewatch and psad side by side on the last real-traffic lab log.
 *
 * Input: test-output/lab/lab.log and lab.manifest.json, written by `npm run lab` (as root; see
 * test/lab/lab.ts) or by the lab test. For each scenario it prints what psad made of the attacker
 * (danger level, signatures and flags it printed) and what gatewatch made of it (incident types),
 * then the false positives of each: psad sources with DL ≥ 1 and gatewatch incidents that match no
 * scenario's expected attacker and type. It also times both on the same file (median of 3).
 */
import { analyzeFiles } from '../src/analyze';
import type { Incident } from '../src/detect/incident';
import { readLastRun, OUT_DIR, ScenarioResult } from '../test/lab/lab';
import { runPsad, PsadResult } from './psad';
import { median } from './util';

function incidentLabel(i: Incident): string {
  return i.subtype ? `${i.type}/${i.subtype}` : i.type;
}

function psadLabel(p: PsadResult, ip: string): string {
  const s = p.sources.get(ip);
  if (!s) return 'nothing';
  const sig = s.signatures.length ? ` sigs: ${s.signatures.join('; ')}` : '';
  const flags = s.flags.length ? ` [${s.flags.join(' ')}]` : '';
  return `DL ${s.dl}, ${s.packets} pkts, ${s.ports.join(' ')}${sig}${flags}`;
}

function expectedLabel(s: ScenarioResult): string {
  if (!s.expected_type) return '(none)';
  return s.expected_subtype ? `${s.expected_type}/${s.expected_subtype}` : s.expected_type;
}

export async function run(): Promise<void> {
  const last = readLastRun();
  if (!last) {
    console.log(`no lab log in ${OUT_DIR}: run \`sudo npm run lab\` first (needs root, nmap, iptables)`);
    return;
  }
  const { manifest, logFile } = last;
  console.log(`lab log: ${logFile} (${manifest.total_lines} lines, lab ${manifest.lab_id}, ${manifest.created})`);

  const gwTimes: number[] = [];
  let incidents: Incident[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    const r = await analyzeFiles([logFile], { site: { homeNets: manifest.home_nets }, parse: { tz: 'UTC' }, geo: 'off' });
    gwTimes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    incidents = r.incidents;
  }

  let psad: PsadResult | undefined;
  const psadTimes: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      psad = await runPsad(logFile, manifest.home_nets);
      psadTimes.push(psad.seconds);
    }
  } catch (e) {
    console.log(`psad not run: ${(e as Error).message}`);
  }

  const rows: string[][] = [['scenario', 'attacker', 'expected', 'psad', 'gatewatch']];
  let psadHits = 0, gwHits = 0, attacks = 0;
  for (const s of manifest.scenarios) {
    // For the no-attack scenario, an incident counts against it only if it is not another scenario's
    // attacker (the sweep rightly lists the browsing PC among the machines it probed).
    const scenarioAttackers = new Set(manifest.scenarios.filter((x) => x.expected_type !== null).map((x) => x.attacker));
    const mine = incidents.filter((i) => i.attacker.ip === s.attacker
      || (s.expected_type === null && i.victims.some((v) => v.ip === s.source) && !scenarioAttackers.has(i.attacker.ip)));
    const gw = mine.map(incidentLabel);
    const gwOk = s.expected_type ? mine.some((i) => i.type === s.expected_type && (!s.expected_subtype || i.subtype === s.expected_subtype)) : mine.length === 0;
    // psad keys everything on the packet's source: for an outbound case that is the inside host.
    const psIp = psad && !psad.sources.has(s.attacker) && psad.sources.has(s.source) ? s.source : s.attacker;
    const ps = psad ? `${psIp === s.attacker ? '' : `(${psIp}) `}${psadLabel(psad, psIp)}` : 'n/a';
    const psDl = psad?.sources.get(psIp)?.dl ?? 0;
    if (s.expected_type) {
      attacks++;
      if (gwOk) gwHits++;
      if (psDl >= 1) psadHits++;
    }
    rows.push([s.name, s.attacker, expectedLabel(s), ps, `${gw.length ? gw.join(', ') : 'nothing'}${gwOk ? '' : ' ✗'}`]);
  }
  const widths = rows[0]!.map((_, c) => Math.min(60, Math.max(...rows.map((r) => r[c]!.length))));
  for (const r of rows) console.log(r.map((v, c) => v.padEnd(widths[c]!)).join('  '));

  const known = new Set(manifest.scenarios.filter((s) => s.expected_type).flatMap((s) => [s.attacker, s.source]));
  const gwFp = incidents.filter((i) => {
    const s = manifest.scenarios.find((x) => x.attacker === i.attacker.ip && x.expected_type);
    return !s || s.expected_type !== i.type;
  });
  const psFp = psad ? [...psad.sources.values()].filter((p) => p.dl >= 1 && !known.has(p.ip)) : [];
  console.log('');
  console.log(`detected (right type for gatewatch, DL ≥ 1 for psad): gatewatch ${gwHits}/${attacks}, psad ${psad ? psadHits : 'n/a'}/${attacks}`);
  console.log(`false positives: gatewatch ${gwFp.length}${gwFp.length ? ` (${gwFp.map((i) => `${incidentLabel(i)} ${i.attacker.ip}`).join('; ')})` : ''}, `
    + `psad ${psad ? psFp.length : 'n/a'}${psFp.length ? ` (${psFp.map((p) => `DL ${p.dl} ${p.ip}`).join('; ')})` : ''}`);
  if (incidents.length === 0) console.log('note: gatewatch found no incident at all (detection engine not merged yet?)');
  console.log(`time on ${manifest.total_lines} lines (median of 3): gatewatch ${median(gwTimes).toFixed(3)} s, psad ${psadTimes.length ? `${median(psadTimes).toFixed(3)} s (v${psad!.version})` : 'n/a'}`);
}
