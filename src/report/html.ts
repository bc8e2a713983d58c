/**
 * The report as email-safe HTML: tables for layout, inline styles only, no script, nothing fetched.
 * Charts: `charts: 'svg'` puts inline SVG in the page (the HTML file, browsers, PDF); `'cid'` refers
 * to a PNG attachment by Content-ID (email: Gmail and Outlook don't render inline SVG, and Gmail drops
 * data: images); `'datauri'` embeds the PNG (handy for previews and tests).
 */
import type { AddressRow, PortRow, ReportData } from './build';
import { incidentsListed, num } from './build';
import { COLOURS, timelinePng, timelineSvg } from './charts';

export interface HtmlOptions {
  charts?: 'svg' | 'cid' | 'datauri';
  /** Content-ID for the timeline PNG (charts: 'cid'). */
  cid?: string;
}

export interface InlineImage {
  cid: string;
  filename: string;
  contentType: 'image/png';
  content: Buffer;
}

export interface HtmlResult {
  html: string;
  images: InlineImage[];
}

export function esc(s: unknown): string {
  return String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const SEV_COLOUR: Record<string, string> = { critical: '#a61b1b', high: '#d0480f', medium: '#b07d00', low: '#66707c' };
const STATUS: Record<ReportData['status'], { bg: string; fg: string; word: string }> = {
  urgent: { bg: '#fbe3e1', fg: '#a61b1b', word: 'Action needed' },
  attention: { bg: '#fff1d6', fg: '#8a5a00', word: 'Please read' },
  ok: { bg: '#e3f4e6', fg: '#1f6b32', word: 'All blocked' },
  quiet: { bg: '#e3f4e6', fg: '#1f6b32', word: 'Quiet' },
  'no-data': { bg: '#eceff2', fg: '#4a5360', word: 'No data' },
};

function h2(text: string): string {
  return `<h2 style="${FONT}font-size:18px;color:#1d2733;margin:28px 0 8px 0;border-bottom:2px solid #e3e6ea;padding-bottom:4px">${esc(text)}</h2>`;
}
function p(text: string, extra = ''): string {
  return `<p style="${FONT}font-size:15px;line-height:1.5;color:#1d2733;margin:0 0 10px 0;${extra}">${esc(text)}</p>`;
}
function note(text: string): string {
  return `<p style="${FONT}font-size:12px;line-height:1.4;color:#66707c;margin:4px 0 10px 0">${esc(text)}</p>`;
}
function sev(s: string): string {
  return `<span style="${FONT}display:inline-block;padding:1px 6px;border-radius:3px;font-size:12px;font-weight:bold;color:#fff;background:${SEV_COLOUR[s] ?? '#66707c'}">${esc(s.toUpperCase())}</span>`;
}
function bar(value: number, max: number, colour: string): string {
  const pct = max > 0 ? Math.max(1, Math.round((value / max) * 100)) : 1;
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td width="${pct}%" style="background:${colour};height:10px;font-size:1px;line-height:1px">&nbsp;</td>${pct < 100 ? `<td width="${100 - pct}%" style="font-size:1px;line-height:1px">&nbsp;</td>` : ''}</tr></table>`;
}

type Col<T> = { head: string; cell: (r: T) => string; align?: 'left' | 'right'; width?: string };
function table<T>(rows: T[], cols: Col<T>[], cls = ''): string {
  const th = cols.map((c) => `<th align="${c.align ?? 'left'}" style="${FONT}font-size:12px;color:#4a5360;text-align:${c.align ?? 'left'};padding:6px 8px;border-bottom:1px solid #d5d9de;background:#f5f6f8"${c.width ? ` width="${c.width}"` : ''}>${esc(c.head)}</th>`).join('');
  const tr = rows.map((r, i) => `<tr>${cols.map((c) => `<td align="${c.align ?? 'left'}" valign="top" style="${FONT}font-size:13px;color:#1d2733;padding:6px 8px;border-bottom:1px solid #eceff2;${i % 2 ? 'background:#fafbfc;' : ''}">${c.cell(r)}</td>`).join('')}</tr>`).join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="${cls}" style="border-collapse:collapse;margin:4px 0 8px 0"><tr>${th}</tr>${tr}</table>`;
}

function figure(label: string, value: string, colour = '#1d2733'): string {
  return `<td valign="top" width="25%" style="padding:10px 8px;background:#f5f6f8;border:4px solid #ffffff">
<div style="${FONT}font-size:24px;font-weight:bold;color:${colour}">${esc(value)}</div>
<div style="${FONT}font-size:12px;color:#4a5360;margin-top:2px">${esc(label)}</div></td>`;
}

function portCell(r: PortRow): string {
  return r.port === -1 ? 'other' : r.port === 0 ? '—' : `${r.port}/${esc(r.transport)}`;
}
function where(a: AddressRow): string {
  return esc([a.countryName, a.org].filter((x) => x).join(' · '));
}

export function renderHtml(r: ReportData, opts: HtmlOptions = {}): HtmlResult {
  const mode = opts.charts ?? 'svg';
  const cid = opts.cid ?? 'timeline@gatewatch';
  const images: InlineImage[] = [];
  const st = STATUS[r.status];
  const out: string[] = [];
  out.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(r.title)}</title></head>`);
  out.push(`<body style="margin:0;padding:0;background:#eef0f3"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#eef0f3"><tr><td align="center" style="padding:16px 8px">`);
  out.push(`<table role="presentation" width="720" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:720px;background:#ffffff;border-radius:6px"><tr><td style="padding:20px 24px">`);

  // Header.
  out.push(`<div style="${FONT}font-size:12px;color:#66707c;text-transform:uppercase;letter-spacing:1px">gatewatch security report · ${esc(r.site.name)}</div>`);
  out.push(`<h1 style="${FONT}font-size:22px;color:#1d2733;margin:4px 0 12px 0">${esc(r.period.label)}</h1>`);
  out.push(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="gw-status"><tr><td style="background:${st.bg};border-left:6px solid ${st.fg};padding:12px 14px">
<div style="${FONT}font-size:12px;font-weight:bold;color:${st.fg};text-transform:uppercase">${esc(st.word)}</div>
<div style="${FONT}font-size:18px;font-weight:bold;color:${st.fg};margin-top:2px">${esc(r.headline)}</div></td></tr></table>`);
  out.push('<div style="height:12px"></div>');
  for (const s of r.summary) out.push(p(s));

  const t = r.totals;
  out.push(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="gw-figures" style="margin:8px 0"><tr>
${figure('blocked attempts from the internet', num(t.inboundDenied), COLOURS.denied)}
${figure('connections let in by your settings', num(t.inboundAllowed), t.inboundAllowed ? COLOURS.allowed : '#1d2733')}
${figure('different addresses (estimate)', num(t.attackers))}
${figure('attacks recognised', num(t.incidents), t.bySeverity.critical + t.bySeverity.high ? SEV_COLOUR.high : '#1d2733')}
</tr></table>`);

  // What got through.
  if (r.status !== 'no-data') {
    out.push(h2('Did anything get through?'));
    if (r.gotThrough.length === 0) out.push(p('No. Nothing was let in that should worry you, and no device inside contacted a known-bad address.', 'color:#1f6b32;font-weight:bold'));
    else {
      out.push(`<ul style="${FONT}font-size:14px;line-height:1.5;color:#a61b1b;margin:0 0 10px 20px;padding:0" class="gw-through">${r.gotThrough.map((g) => `<li>${esc(g)}</li>`).join('')}</ul>`);
    }
  }

  // Advice.
  if (r.advice.length) {
    out.push(h2('What to do'));
    out.push(`<ol style="${FONT}font-size:14px;line-height:1.5;color:#1d2733;margin:0 0 10px 20px;padding:0">${r.advice.map((a) => `<li style="margin-bottom:4px">${esc(a)}</li>`).join('')}</ol>`);
  }

  // Activity over time.
  if (r.status !== 'no-data') {
    out.push(h2('Activity over time'));
    const units = r.timeline.bucketMs >= 86400000 ? r.timeline.bucketMs / 86400000 : r.timeline.bucketMs / 3600000;
    const bucket = units === 1 ? (r.timeline.bucketMs >= 86400000 ? 'one day' : 'one hour') : `${units} ${r.timeline.bucketMs >= 86400000 ? 'days' : 'hours'}`;
    if (mode === 'svg') {
      out.push(`<div class="gw-timeline">${timelineSvg(r.timeline.points, { tz: r.site.timezone, bucketMs: r.timeline.bucketMs })}</div>`);
    } else {
      const { png, max } = timelinePng(r.timeline.points);
      const src = mode === 'cid' ? `cid:${cid}` : `data:image/png;base64,${png.toString('base64')}`;
      if (mode === 'cid') images.push({ cid, filename: 'activity.png', contentType: 'image/png', content: png });
      const first = r.timeline.points[0], last = r.timeline.points[r.timeline.points.length - 1];
      out.push(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" class="gw-timeline"><tr><td>
<div style="${FONT}font-size:11px;color:#66707c">top of chart: ${esc(num(max))} per bar</div>
<img src="${src}" width="640" height="160" alt="Chart of connection attempts over time" style="display:block;width:100%;max-width:640px;height:auto;border:0">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td style="${FONT}font-size:11px;color:#66707c">${esc(first ? new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: r.site.timezone }).format(new Date(first.t)) : '')}</td>
<td align="right" style="${FONT}font-size:11px;color:#66707c">${esc(last ? new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: r.site.timezone }).format(new Date(last.t)) : '')}</td></tr></table></td></tr></table>`);
    }
    out.push(`<p style="${FONT}font-size:12px;color:#4a5360;margin:4px 0 10px 0"><span style="display:inline-block;width:10px;height:10px;background:${COLOURS.denied}"></span> blocked &nbsp; <span style="display:inline-block;width:10px;height:10px;background:${COLOURS.allowed}"></span> let in · one bar = ${esc(bucket)}</p>`);
  }

  // Incidents.
  out.push(h2('Attacks recognised'));
  if (r.incidentsTotal === 0) out.push(p(`None this ${r.period.noun}.`));
  else {
    out.push(table(r.incidentTypes, [
      { head: 'Kind', cell: (g) => `<b>${esc(g.label)}</b><br><span style="color:#4a5360">${esc(g.advice)}</span>` },
      { head: 'How many', cell: (g) => esc(num(g.count)), align: 'right', width: '70' },
      { head: 'Worst', cell: (g) => sev(g.worst), width: '80' },
    ], 'gw-types'));
    out.push(`<h3 style="${FONT}font-size:15px;color:#1d2733;margin:16px 0 4px 0">Worst first</h3>`);
    out.push(table(r.incidents, [
      { head: 'Severity', cell: (i) => sev(i.severity), width: '70' },
      { head: 'What happened', cell: (i) => `${esc(i.summary || i.label)}${i.allowed ? `<br><b style="color:#a61b1b">${esc(num(i.allowed))} let through</b>` : ''}` },
      { head: 'From', cell: (i) => `${esc(i.attacker)}<br><span style="color:#66707c">${esc([i.countryName, i.network].filter((x) => x).join(' · '))}</span>` },
      { head: 'When', cell: (i) => (i.count ? `${esc(i.firstSeen)}<br><span style="color:#66707c">to ${esc(i.lastSeen)}</span>` : esc(i.firstSeen)), width: '110' },
      { head: 'Events', cell: (i) => esc(num(i.events)), align: 'right', width: '60' },
    ], 'gw-incidents'));
    const more = r.incidentsTotal - incidentsListed(r.incidents);
    const gathered = r.incidents.some((i) => i.count);
    if (more > 0) out.push(note(`${num(more)} more are in the attached incidents file (CSV), which opens in Excel${gathered ? ', one line per incident' : ''}.`));
    else if (gathered) out.push(note('A line that names several addresses gathers the attacks on one machine and service; the attached incidents file (CSV) has one line per incident.'));
  }

  if (r.status !== 'no-data') {
    // Countries.
    out.push(h2('Where the traffic came from'));
    const ha = r.homeAbroad;
    const ext = ha.home + ha.abroad + ha.unknown;
    if (ha.homeCountry && ext) out.push(p(`From abroad: ${Math.round((ha.abroad / ext) * 100)}% · from ${ha.homeName}: ${Math.round((ha.home / ext) * 100)}%${ha.unknown ? ` · unknown: ${Math.round((ha.unknown / ext) * 100)}%` : ''}.`));
    const cmax = Math.max(0, ...r.countries.map((c) => c.events));
    if (r.countries.length) {
      out.push(table(r.countries, [
        { head: 'Country', cell: (c) => `${esc(c.name)}${c.home ? ' <span style="color:#66707c">(home)</span>' : ''}`, width: '170' },
        { head: '', cell: (c) => bar(c.events, cmax, c.home ? '#7a9a5b' : COLOURS.denied) },
        { head: 'Events', cell: (c) => esc(num(c.events)), align: 'right', width: '70' },
        { head: 'Share', cell: (c) => `${Math.round(c.share * 100)}%`, align: 'right', width: '50' },
      ], 'gw-countries'));
      out.push(note('A country is where the address is registered. Attackers often use hired servers in other countries, so this does not prove who is behind it.'));
    } else out.push(p('No country information (switch on the geo database in gatewatch to see countries).'));

    if (r.networks.length) {
      out.push(`<h3 style="${FONT}font-size:15px;color:#1d2733;margin:16px 0 4px 0">Networks</h3>`);
      out.push(table(r.networks, [
        { head: 'Network', cell: (n) => `${esc(n.org || 'unknown')} <span style="color:#66707c">AS${n.asn}</span>` },
        { head: 'Country', cell: (n) => esc(n.country), width: '60' },
        { head: 'Events', cell: (n) => esc(num(n.events)), align: 'right', width: '80' },
      ], 'gw-networks'));
    }
    if (r.addresses.length) {
      out.push(`<h3 style="${FONT}font-size:15px;color:#1d2733;margin:16px 0 4px 0">Busiest addresses</h3>`);
      out.push(table(r.addresses, [
        { head: 'Address', cell: (a) => `${esc(a.ip)}${a.bad ? ' <b style="color:#a61b1b">on a blocklist</b>' : ''}` },
        { head: 'Where', cell: where },
        { head: 'Blocked', cell: (a) => esc(num(a.denied)), align: 'right', width: '70' },
        { head: 'Let in', cell: (a) => (a.allowed ? `<b style="color:${COLOURS.allowed}">${esc(num(a.allowed))}</b>` : '0'), align: 'right', width: '60' },
      ], 'gw-addresses'));
    }

    // Ports.
    out.push(h2('What they were after'));
    if (r.ports.length) {
      const pmax = Math.max(0, ...r.ports.map((x) => x.events));
      out.push(table(r.ports, [
        { head: 'Port', cell: portCell, width: '80' },
        { head: 'Service', cell: (x) => esc(x.service || 'unassigned'), width: '200' },
        { head: '', cell: (x) => bar(x.events, pmax, x.allowed ? COLOURS.allowed : COLOURS.denied) },
        { head: 'Blocked', cell: (x) => esc(num(x.denied)), align: 'right', width: '70' },
        { head: 'Let in', cell: (x) => esc(num(x.allowed)), align: 'right', width: '60' },
      ], 'gw-ports'));
    } else out.push(p('Nothing came in from the internet.'));

    out.push(h2('Services open to the internet'));
    if (r.exposed.length) {
      out.push(p('Your firewall let connections from the internet reach these services. Each should be something you run on purpose (a website, a VPN, a booking system). If you do not recognise one, ask your IT supplier to close it.'));
      out.push(table(r.exposed, [
        { head: 'Port', cell: portCell, width: '80' },
        { head: 'Service', cell: (x) => esc(x.service || 'unassigned') },
        { head: 'Connections let in', cell: (x) => esc(num(x.allowed)), align: 'right', width: '140' },
      ], 'gw-exposed'));
    } else out.push(p('None seen: the firewall let nothing in from the internet.'));

    out.push(h2('Devices inside contacting known-bad addresses'));
    if (r.outboundBad.length) {
      out.push(p('A device on your network connected to an address that is on a blocklist. This can mean malware. Ask your IT supplier to check the devices involved.', 'color:#a61b1b'));
      out.push(table(r.outboundBad, [
        { head: 'Address contacted', cell: (a) => esc(a.ip) },
        { head: 'Where', cell: where },
        { head: 'Connections', cell: (a) => esc(num(a.events)), align: 'right', width: '90' },
        { head: 'Let through', cell: (a) => esc(num(a.allowed)), align: 'right', width: '90' },
      ], 'gw-outbound'));
    } else out.push(p(t.outbound ? 'None seen.' : 'None seen (your firewall does not log outgoing connections, so gatewatch cannot check this).'));
  }

  if (r.comparison.length) {
    out.push(h2(`Compared with the previous ${r.period.noun}`));
    out.push(`<ul style="${FONT}font-size:14px;line-height:1.5;color:#1d2733;margin:0 0 10px 20px;padding:0" class="gw-compare">${r.comparison.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`);
  }

  // Footer for the IT supplier.
  out.push(`<div style="border-top:1px solid #e3e6ea;margin-top:24px;padding-top:8px">`);
  out.push(note(`For your IT supplier: period ${r.period.from} to ${r.period.to} (UTC), shown in ${r.site.timezone}; ${num(t.events)} firewall events (${num(t.denied)} denied, ${num(t.allowed)} allowed; ${num(t.inbound)} inbound, ${num(t.outbound)} outbound, ${num(t.knownBad)} matching a reputation list). Address counts are estimates (±3%); per-address tables keep the busiest addresses of each hour. All incidents are in the attached CSV and the full report in the attached JSON. Generated ${r.generatedAt} by gatewatch, which only reads your firewall's logs: it never sees the content of any connection.`));
  out.push('</div>');
  out.push('</td></tr></table></td></tr></table></body></html>');
  return { html: out.join('\n'), images };
}
