/**
 * The parse nodes' sender watches, shared inside this Node-RED: the parse dialog's "What is arriving?" asks for
 * one node's, and the report node names the boxes of its site whose logs arrive but are not understood (else a
 * week of a FortiGate sending only its notices reads as "no firewall logs arrived").
 */
import { promises as fsp, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parserById } from '../../src/parsers/registry';
import { SenderReport, SenderWatch } from '../../src/syslog/sender-watch';

const live = new Map<string, { site: string; watch: SenderWatch }>();

export function shareWatch(nodeId: string, site: string, watch: SenderWatch): void {
  live.set(nodeId, { site, watch });
}

export function forgetWatch(nodeId: string, watch: SenderWatch): void {
  if (live.get(nodeId)?.watch === watch) live.delete(nodeId);
}

export function watchOf(nodeId: string): SenderWatch | undefined {
  return live.get(nodeId)?.watch;
}

/**
 * Boxes with a problem (not understood, logging no connections, no longer understood) seen since `sinceMs`, from
 * the parse nodes of `site` ('' matches every site: one-site set-ups often leave one of the two blank).
 */
export function senderProblems(site: string, sinceMs: number): SenderReport[] {
  const out: SenderReport[] = [];
  for (const { site: s, watch } of live.values()) {
    if (site && s && s !== site) continue;
    for (const r of watch.problems()) if (!r.lastSeen || Date.parse(r.lastSeen) >= sinceMs) out.push(r);
  }
  return out;
}

/**
 * What the parse nodes know of the box a detect node names `name` (its host name, else its address) with syslog
 * address `address`: matched by address first (a sender is "host (address)" or "address"), else by name.
 */
export function findSender(name: string, address: string | undefined): SenderReport | undefined {
  let best: SenderReport | undefined;
  for (const { watch } of live.values()) {
    for (const r of watch.list()) {
      const s = r.sender;
      const match = address !== undefined && (s === address || s.endsWith(` (${address})`)) ? true
        : s === name || s.startsWith(`${name} (`);
      if (match && (best === undefined || (r.lastSeen ?? '') > (best.lastSeen ?? ''))) best = r;
    }
  }
  return best;
}

/** Where a parse node keeps its list of boxes between restarts (in Node-RED's user directory, never elsewhere). */
export function senderFile(userDir: string, nodeId: string): string {
  return join(userDir, 'gatewatch', 'senders', `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

/**
 * Reads a saved list into `watch`: null when there is none yet. A file that cannot be read as one is moved aside
 * to "<file>.bad" (kept for whoever wants to look, not overwritten by the next save) and the error thrown.
 */
export function loadWatch(path: string, watch: SenderWatch): { restored: number; skipped: number } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return watch.restore(JSON.parse(text), parserById);
  } catch (err) {
    try { renameSync(path, `${path}.bad`); } catch { /* (read-only: the next save fails and says so) */ }
    throw err;
  }
}

/** Writes the list whole (to a temporary file, then renamed: a crash mid-write leaves the old list). */
export async function saveWatch(path: string, watch: SenderWatch): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await fsp.writeFile(tmp, JSON.stringify(watch.snapshot()), { mode: 0o600 });
    await fsp.rename(tmp, path);
  } catch (err) {
    // (a disk that filled up mid-write leaves no half file behind)
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
