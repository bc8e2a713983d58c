/**
 * AbuseIPDB v2 "check" for addresses that are already suspicious (never every packet): a cache with a
 * time-to-live, a daily request budget that is never exceeded (kept on disk across restarts), and
 * HTTP 429 handled by stopping until Retry-After or the next UTC day.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { dirname } from 'node:path';
import { BoundedCache } from './geo';

export interface AbuseIpdbOptions {
  apiKey: string;
  /** Default https://api.abuseipdb.com/api/v2 */
  baseUrl?: string;
  /** Requests allowed per UTC day (default 1000, the free plan's check limit). */
  dailyBudget?: number;
  /** How long an answer is reused (seconds, default 24 h). */
  ttlS?: number;
  /** maxAgeInDays sent to the API (default 90). */
  maxAgeInDays?: number;
  /** Where the budget is remembered across restarts (a JSON file); none = memory only. */
  stateFile?: string;
  cacheSize?: number;
  timeoutMs?: number;
  now?: () => number;
}

export interface AbuseIpdbAnswer { score: number; usage_type?: string; reports?: number; isp?: string }

interface BudgetState { day: string; used: number; blockedUntil: number }

export interface AbuseIpdbStats { requests: number; cacheHits: number; errors: number; budgetRefusals: number; rateLimited: number; usedToday: number; lastError?: string }

function utcDay(ms: number): string { return new Date(ms).toISOString().slice(0, 10); }
function nextUtcMidnight(ms: number): number { const d = new Date(ms); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1); }

export class AbuseIpdb {
  private readonly o: Required<Omit<AbuseIpdbOptions, 'stateFile'>> & { stateFile?: string };
  private readonly cache: BoundedCache<{ at: number; answer: AbuseIpdbAnswer | null; ttlS: number }>;
  private readonly inflight = new Map<string, Promise<AbuseIpdbAnswer | null>>();
  private state: BudgetState;
  readonly stats: AbuseIpdbStats = { requests: 0, cacheHits: 0, errors: 0, budgetRefusals: 0, rateLimited: 0, usedToday: 0 };

  constructor(opts: AbuseIpdbOptions) {
    if (!opts.apiKey) throw new Error('AbuseIPDB needs an API key');
    this.o = {
      baseUrl: 'https://api.abuseipdb.com/api/v2', dailyBudget: 1000, ttlS: 86400, maxAgeInDays: 90, cacheSize: 10000,
      timeoutMs: 10000, now: Date.now, ...opts,
    };
    this.cache = new BoundedCache(this.o.cacheSize);
    this.state = this.loadState();
  }

  private loadState(): BudgetState {
    const today = utcDay(this.o.now());
    if (this.o.stateFile) {
      try {
        const s = JSON.parse(readFileSync(this.o.stateFile, 'utf8')) as BudgetState;
        if (typeof s.used === 'number' && typeof s.day === 'string') {
          return { day: s.day, used: s.used, blockedUntil: typeof s.blockedUntil === 'number' ? s.blockedUntil : 0 };
        }
      } catch { /* first run */ }
    }
    return { day: today, used: 0, blockedUntil: 0 };
  }

  private saveState(): void {
    if (!this.o.stateFile) return;
    try {
      mkdirSync(dirname(this.o.stateFile), { recursive: true });
      const tmp = `${this.o.stateFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.state));
      renameSync(tmp, this.o.stateFile);
    } catch (e) { this.stats.lastError = `could not save budget: ${(e as Error).message}`; }
  }

  /** Requests left today (0 while backing off after a 429). */
  remaining(): number {
    const now = this.o.now();
    this.roll(now);
    if (now < this.state.blockedUntil) return 0;
    return Math.max(0, this.o.dailyBudget - this.state.used);
  }

  private roll(now: number): void {
    const day = utcDay(now);
    if (day !== this.state.day) { this.state = { day, used: 0, blockedUntil: this.state.blockedUntil }; }
    this.stats.usedToday = this.state.used;
  }

  /** A cached answer without any request (undefined when unknown or expired). */
  cached(ip: string): AbuseIpdbAnswer | null | undefined {
    const c = this.cache.get(ip);
    if (c && this.o.now() - c.at < c.ttlS * 1000) return c.answer;
    return undefined;
  }

  /**
   * AbuseIPDB's view of an address: from the cache, or one request if the budget allows.
   * Resolves null when unknown, over budget, rate-limited or failed (never rejects).
   */
  async check(ip: string): Promise<AbuseIpdbAnswer | null> {
    const c = this.cached(ip);
    if (c !== undefined) { this.stats.cacheHits++; return c; }
    const pending = this.inflight.get(ip);
    if (pending) return pending;
    if (this.remaining() <= 0) { this.stats.budgetRefusals++; return null; }
    // Count the request before sending it, so concurrent checks can never exceed the budget.
    this.state.used++;
    this.stats.usedToday = this.state.used;
    this.saveState();
    const p = this.request(ip).finally(() => this.inflight.delete(ip));
    this.inflight.set(ip, p);
    return p;
  }

  private request(ip: string): Promise<AbuseIpdbAnswer | null> {
    this.stats.requests++;
    const url = new URL(`${this.o.baseUrl.replace(/\/+$/, '')}/check`);
    url.searchParams.set('ipAddress', ip);
    url.searchParams.set('maxAgeInDays', String(this.o.maxAgeInDays));
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const req = mod.get(url, { headers: { Key: this.o.apiKey, Accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => { size += d.length; if (size > 1 << 20) req.destroy(new Error('answer too large')); else chunks.push(d); });
        res.on('end', () => {
          const now = this.o.now();
          if (res.statusCode === 429) {
            this.stats.rateLimited++;
            const ra = Number(res.headers['retry-after']);
            this.state.blockedUntil = Number.isFinite(ra) && ra > 0 ? now + ra * 1000 : nextUtcMidnight(now);
            this.saveState();
            this.stats.lastError = 'rate limited by AbuseIPDB (HTTP 429)';
            resolve(null);
            return;
          }
          if (res.statusCode === 401 || res.statusCode === 403) {
            // A wrong or revoked key: every request would fail the same way. Pause for an hour.
            this.state.blockedUntil = now + 3600 * 1000;
            this.saveState();
            this.fail(`HTTP ${res.statusCode}: check the API key`);
            resolve(null);
            return;
          }
          if (res.statusCode !== 200) { this.failFor(ip, now, `HTTP ${res.statusCode}`); resolve(null); return; }
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: Record<string, unknown> };
            const d = body.data;
            if (!d || typeof d.abuseConfidenceScore !== 'number') { this.failFor(ip, now, 'unexpected answer'); resolve(null); return; }
            const a: AbuseIpdbAnswer = { score: d.abuseConfidenceScore };
            if (typeof d.usageType === 'string') a.usage_type = d.usageType;
            if (typeof d.totalReports === 'number') a.reports = d.totalReports;
            if (typeof d.isp === 'string') a.isp = d.isp;
            this.cache.set(ip, { at: now, answer: a, ttlS: this.o.ttlS });
            resolve(a);
          } catch (e) { this.failFor(ip, now, `bad JSON: ${(e as Error).message}`); resolve(null); }
        });
        res.on('error', (e) => { this.fail(e.message); resolve(null); });
      });
      req.setTimeout(this.o.timeoutMs, () => req.destroy(new Error('timed out')));
      req.on('error', (e) => { this.fail(e.message); resolve(null); });
    });
  }

  private fail(msg: string): void { this.stats.errors++; this.stats.lastError = msg; }

  /** A failed answer about one address is remembered for an hour, so it does not eat the budget again. */
  private failFor(ip: string, now: number, msg: string): void {
    this.fail(msg);
    this.cache.set(ip, { at: now, answer: null, ttlS: Math.min(this.o.ttlS, 3600) });
  }
}
