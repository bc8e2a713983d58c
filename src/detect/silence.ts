/**
 * The camera went dark: a gateway that has been sending logs steadily and then sends none for a while.
 * Routers stop logging when they restart without saved settings, after a firmware update, when the
 * gatewatch computer's address changes — or when an intruder turns logging off (MITRE T1562.006). Until
 * it sends again gatewatch sees nothing, so the owner is told as an incident of type `log-silence`, and
 * told again (an update) when the logs come back.
 *
 * Live only, by the wall clock (a replayed file has no "now"; the report finds gaps in stored data).
 * Per gateway: events counted per wall-clock hour over the last day (a 24-slot ring), so "steady" means
 * logs in at least 12 of the last 24 hours, half of those hours with 5 or more; the internet's background
 * noise alone gives a router dozens of blocked probes an hour. A box that logs only rare rule hits is not
 * judged, and a silence is told only at an hour when the box logged the day before (a box that logs office
 * hours is quiet every night). Bounded: at most MAX_GATEWAYS gateways, the longest silent forgotten first.
 */
import type { GwEvent } from '../event';
import type { Incident } from './incident';
import { stableId } from './util';

const HOUR = 3_600_000;
const SLOTS = 24;
const MAX_GATEWAYS = 256;

class Gateway {
  /** Events per wall-clock hour, the hour h at h % SLOTS. */
  readonly perHour = new Int32Array(SLOTS);
  /** The hour (epoch hours) perHour was last written for. */
  hour = -1;
  lastMs = 0;
  /** The sender's address (the syslog peer), when the parse node recorded it. */
  address: string | undefined;
  /** The open silence incident (told, not yet resumed). */
  open: Incident | null = null;
  constructor(readonly name: string) {}

  count(nowMs: number): void {
    const h = Math.floor(nowMs / HOUR);
    if (h !== this.hour) {
      // (hours without events since the last one are zero)
      if (this.hour < 0 || h - this.hour >= SLOTS) this.perHour.fill(0);
      else for (let k = this.hour + 1; k <= h; k++) this.perHour[k % SLOTS] = 0;
      this.hour = h;
    }
    this.perHour[h % SLOTS]!++;
    this.lastMs = nowMs;
  }

  /**
   * Did this gateway log in each of these last `k` hours of the day yesterday? Their ring slots were not written
   * since the silence began, so they still hold the counts of a day before. A box whose logs follow office hours
   * (allowed connections of people at work) is quiet every night; that is its rhythm, not a failure.
   */
  loggedAtThisHour(nowMs: number, k: number): boolean {
    const h = Math.floor(nowMs / HOUR);
    let busy = 0;
    for (let i = 0; i < k; i++) if (this.perHour[(h - i) % SLOTS]! > 0) busy++;
    return busy >= k;
  }

  /** Events an hour in a typical hour with logs, or 0 when the last day was not steady enough to judge. */
  usualPerHour(): number {
    const xs = Array.from(this.perHour).filter((n) => n > 0).sort((a, b) => a - b);
    if (xs.length < SLOTS / 2) return 0;
    const median = xs[xs.length >> 1]!;
    return median >= 5 ? median : 0;
  }
}

export interface SilenceOptions {
  /** Hours without logs, from a steady gateway, before the owner is told (0 = never). */
  afterHours: number;
  /** Time zone for the time in the wording. */
  timeZone?: string;
}

export class SilenceWatch {
  private readonly gateways = new Map<string, Gateway>();
  private readonly afterMs: number;

  constructor(private readonly opts: SilenceOptions) {
    this.afterMs = opts.afterHours > 0 && Number.isFinite(opts.afterHours) ? opts.afterHours * HOUR : 0;
  }

  get enabled(): boolean { return this.afterMs > 0; }

  /** The gateways told silent whose logs have not come back (for a status line). */
  silent(): string[] {
    const out: string[] = [];
    for (const g of this.gateways.values()) if (g.open !== null) out.push(g.name);
    return out;
  }

  /**
   * An event arrived now (wall clock). Returns the gateway's silence incident, updated to say the logs came
   * back, when it had gone silent; else null.
   */
  seen(ev: GwEvent, nowMs: number): Incident | null {
    if (this.afterMs === 0) return null;
    const name = gatewayOf(ev);
    let g = this.gateways.get(name);
    if (g === undefined) {
      if (this.gateways.size >= MAX_GATEWAYS) this.forgetOne();
      g = new Gateway(name);
      this.gateways.set(name, g);
    }
    const reporter = ev.gatewatch?.reporter;
    if (typeof reporter === 'string' && reporter.length <= 64) g.address = reporter;
    g.count(nowMs);
    const open = g.open;
    if (open === null) return null;
    g.open = null;
    const back = new Date(nowMs).toISOString();
    const hours = (nowMs - Date.parse(open.first_seen)) / HOUR;
    return {
      ...open,
      status: 'update',
      severity: 'medium',
      score: 40,
      last_seen: back,
      summary: `Logs from ${quote(name)} arrive again, after ${hoursText(hours)} without any: gatewatch could not see what happened in that time.`,
      advice: 'If nobody restarted or changed the router in that time, ask your IT supplier to check it: an intruder may turn logging off.',
      details: { ...open.details, resumed: back, silent_s: Math.round((nowMs - Date.parse(open.first_seen)) / 1000) },
    };
  }

  /** Gateways that went silent (call every few seconds with the wall clock). */
  check(nowMs: number): Incident[] {
    if (this.afterMs === 0) return [];
    const out: Incident[] = [];
    for (const g of this.gateways.values()) {
      if (g.open !== null || nowMs - g.lastMs < this.afterMs) continue;
      const usual = g.usualPerHour();
      if (usual === 0 || !g.loggedAtThisHour(nowMs, Math.min(SLOTS, Math.ceil(this.afterMs / HOUR)))) continue;
      g.open = this.incident(g, usual, nowMs);
      out.push(g.open);
    }
    return out;
  }

  private incident(g: Gateway, usual: number, nowMs: number): Incident {
    const since = new Date(g.lastMs).toISOString();
    const hours = (nowMs - g.lastMs) / HOUR;
    return {
      id: stableId(`log-silence|${g.name}|${g.lastMs}`),
      type: 'log-silence',
      severity: 'high',
      score: 60,
      confidence: 'high',
      attacker: { ip: g.address ?? '0.0.0.0' },
      victims: [],
      first_seen: since,
      last_seen: new Date(nowMs).toISOString(),
      event_count: 0,
      mitre: { technique: { id: 'T1562.006', name: 'Impair Defenses: Indicator Blocking' }, tactic: 'Defense Evasion' },
      summary: `${capital(quote(g.name))} has sent no logs since ${timeText(g.lastMs, this.opts.timeZone)} (${hoursText(hours)}), after about ${usual} an hour: `
        + 'until it sends again, gatewatch cannot see attacks on your network.',
      advice: 'Check the router or firewall is switched on and still sends its logs to gatewatch (its syslog settings, and this computer\'s '
        + 'address). Logs stop when a router restarts without saved settings, after a firmware update, or when this computer gets a new '
        + 'address. If none of that happened, ask your IT supplier to look at it: an intruder may turn logging off.',
      observers: [g.name],
      status: 'new',
      details: { gateway: g.name, usual_per_hour: usual, silent_s: Math.round((nowMs - g.lastMs) / 1000) },
    };
  }

  private forgetOne(): void {
    let worst: string | undefined;
    let oldest = Infinity;
    for (const [k, g] of this.gateways) if (g.lastMs < oldest) { oldest = g.lastMs; worst = k; }
    if (worst !== undefined) this.gateways.delete(worst);
  }
}

/**
 * A silence incident for a gateway whose lines still arrive, none of them understood (the parse node's sender
 * watch says so): the box did not go dark, its log changed — a firmware update, a changed log setting, or logging
 * of the firewall's decisions turned off. Saying "no logs" would send the owner to check cables and addresses.
 */
export function stillSending(inc: Incident, lines: number, lastSeenMs: number, timeZone?: string): Incident {
  const name = typeof inc.details?.gateway === 'string' ? inc.details.gateway : 'your router';
  const since = Date.parse(inc.first_seen);
  return {
    ...inc,
    summary: `${capital(quote(name))} still sends logs (${lines.toLocaleString('en-GB')} lines since ${timeText(since, timeZone)}, the last at `
      + `${timeText(lastSeenMs, timeZone)}), but none of them is a connection gatewatch can read: until that changes, gatewatch cannot see attacks on your network.`,
    advice: 'Its log has changed: often a firmware update changes the format, or a setting stopped the logging of what the firewall lets in or '
      + 'blocks. Check that its firewall rules still log their decisions; the parse node\'s "Show the boxes sending logs" shows what it sends now. '
      + 'If nobody changed the router, ask your IT supplier to look at it: an intruder may turn logging off.',
    details: { ...inc.details, still_sending: true, lines_since: lines },
  };
}

/** The gateway an event came from: its host name, else the syslog sender's address. */
export function gatewayOf(ev: GwEvent): string {
  const h = ev.observer?.hostname;
  if (typeof h === 'string' && h.length > 0) return h.slice(0, 128);
  const r = ev.gatewatch?.reporter;
  return typeof r === 'string' && r.length > 0 ? r.slice(0, 64) : 'your router';
}

function quote(name: string): string {
  return name === 'your router' ? name : `your router "${name}"`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function hoursText(h: number): string {
  if (h < 1) return `${Math.max(1, Math.round(h * 60))} minutes`;
  const r = Math.round(h * 10) / 10;
  return `${r} hour${r === 1 ? '' : 's'}`;
}

function timeText(ms: number, tz = 'UTC'): string {
  try {
    return `${new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms))} (${tz})`;
  } catch {
    return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' (UTC)';
  }
}
