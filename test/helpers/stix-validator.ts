/**
 * A validator of the STIX 2.1 required properties and property types for the object types gatewatch
 * emits, written from the STIX Version 2.1 specification (OASIS Standard, 10 June 2021):
 *   §3.2 common properties (type, spec_version, id, created, modified, created_by_ref, external_references,
 *        object_marking_refs, labels), §2.7 identifier (`type--UUID`), §2.12 timestamp (RFC 3339, UTC "Z";
 *        created/modified to the millisecond, §3.2), §2.5 external-reference (source_name required, and one
 *        of description/url/external_id), §2.8 kill-chain-phase,
 *   §4.1 attack-pattern (name), §4.5 identity (name; identity_class open vocabulary §10.7),
 *   §4.7 indicator (pattern, pattern_type, valid_from; valid_until > valid_from; indicator_types §10.9),
 *   §4.13 observed-data (first_observed, last_observed, number_observed 1…999,999,999, object_refs),
 *   §5.1 relationship (relationship_type, source_ref, target_ref), §5.2 sighting (sighting_of_ref;
 *        count 0…999,999,999; last_seen ≥ first_seen; observed_data_refs → observed-data; where_sighted_refs
 *        → identity or location), §6.4/6.5 ipv4-addr/ipv6-addr (value; id UUIDv5 in the SCO namespace),
 *   §7.2 marking-definition, §8 bundle (type, id, objects; no spec_version).
 * Returns a list of problems (empty when valid). Also checks that every reference resolves in the bundle.
 */
import { STIX_SCO_NS, uuidv5 } from '../../src/share/uuid';
import { canonicalIp, parseCidr } from '../../src/net/ip';

/** An address, or a CIDR block (§6.4/6.5: "one or more addresses expressed using CIDR notation"), in canonical text. */
function canonicalValue(v: string): boolean {
  if (v.indexOf('/') < 0) return canonicalIp(v) === v;
  const c = parseCidr(v);
  return c !== null && c.text === v;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const TS_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TYPE = /^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$/;
const TLP_IDS = new Set([
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
]);
const SDO = new Set(['attack-pattern', 'campaign', 'course-of-action', 'grouping', 'identity', 'incident', 'indicator', 'infrastructure', 'intrusion-set',
  'location', 'malware', 'malware-analysis', 'note', 'observed-data', 'opinion', 'report', 'threat-actor', 'tool', 'vulnerability']);
const SRO = new Set(['relationship', 'sighting']);
const SCO = new Set(['artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr', 'ipv6-addr',
  'mac-addr', 'mutex', 'network-traffic', 'process', 'software', 'url', 'user-account', 'windows-registry-key', 'x509-certificate']);
const IDENTITY_CLASS = new Set(['individual', 'group', 'system', 'organization', 'class', 'unknown']);
const INDICATOR_TYPES = new Set(['anomalous-activity', 'anonymization', 'benign', 'compromised', 'malicious-activity', 'attribution', 'unknown']);
const MAX_COUNT = 999999999;

type O = Record<string, unknown>;

function isTs(v: unknown): v is string { return typeof v === 'string' && TS.test(v) && Number.isFinite(Date.parse(v)); }
function isId(v: unknown, types?: Set<string> | string): v is string {
  if (typeof v !== 'string') return false;
  const i = v.indexOf('--');
  if (i < 0) return false;
  const t = v.slice(0, i);
  if (!TYPE.test(t) || !UUID.test(v.slice(i + 2))) return false;
  if (types === undefined) return true;
  return typeof types === 'string' ? t === types : types.has(t);
}
function isStrList(v: unknown): v is string[] { return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'); }
function intIn(v: unknown, lo: number, hi: number): boolean { return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi; }

export function validateObject(o: O): string[] {
  const p: string[] = [];
  const where = `${String(o.type)} ${String(o.id)}`;
  const need = (k: string) => { if (o[k] === undefined) p.push(`${where}: missing required ${k}`); };
  if (typeof o.type !== 'string' || !TYPE.test(o.type)) { p.push(`${where}: bad type`); return p; }
  const t = o.type;
  if (!isId(o.id, t)) p.push(`${where}: id must be "${t}--<uuid>"`);
  const isSdoSro = SDO.has(t) || SRO.has(t) || t === 'marking-definition';
  if (isSdoSro || t.startsWith('x-')) {
    if (o.spec_version !== '2.1') p.push(`${where}: spec_version must be "2.1"`);
  } else if (o.spec_version !== undefined && o.spec_version !== '2.1') p.push(`${where}: spec_version must be "2.1"`);
  if (SDO.has(t) || SRO.has(t)) {
    need('created'); need('modified');
    if (o.created !== undefined && !(typeof o.created === 'string' && TS_MS.test(o.created))) p.push(`${where}: created must be a millisecond timestamp`);
    if (o.modified !== undefined && !(typeof o.modified === 'string' && TS_MS.test(o.modified))) p.push(`${where}: modified must be a millisecond timestamp`);
    if (isTs(o.created) && isTs(o.modified) && Date.parse(o.modified) < Date.parse(o.created)) p.push(`${where}: modified before created`);
  }
  if (o.created_by_ref !== undefined && !isId(o.created_by_ref, 'identity')) p.push(`${where}: created_by_ref must reference an identity`);
  if (o.labels !== undefined && !isStrList(o.labels)) p.push(`${where}: labels must be a list of strings`);
  if (o.object_marking_refs !== undefined && !(Array.isArray(o.object_marking_refs) && o.object_marking_refs.every((r) => isId(r, 'marking-definition')))) p.push(`${where}: object_marking_refs must reference marking-definitions`);
  if (o.external_references !== undefined) {
    if (!Array.isArray(o.external_references)) p.push(`${where}: external_references must be a list`);
    else for (const r of o.external_references as O[]) {
      if (typeof r?.source_name !== 'string') p.push(`${where}: external reference without source_name`);
      if (r?.description === undefined && r?.url === undefined && r?.external_id === undefined) p.push(`${where}: external reference needs description, url or external_id`);
    }
  }
  if (o.kill_chain_phases !== undefined) {
    if (!Array.isArray(o.kill_chain_phases)) p.push(`${where}: kill_chain_phases must be a list`);
    else for (const k of o.kill_chain_phases as O[]) if (typeof k?.kill_chain_name !== 'string' || typeof k?.phase_name !== 'string') p.push(`${where}: kill chain phase needs kill_chain_name and phase_name`);
  }
  for (const k of Object.keys(o)) {
    if (!/^[a-z0-9_]{3,250}$/.test(k) && k !== 'id') p.push(`${where}: property name "${k}" is not allowed`);
  }
  switch (t) {
    case 'identity':
      need('name');
      if (o.identity_class !== undefined && (typeof o.identity_class !== 'string' || !IDENTITY_CLASS.has(o.identity_class))) p.push(`${where}: identity_class not in vocabulary`);
      break;
    case 'attack-pattern':
      need('name');
      break;
    case 'indicator':
      need('pattern'); need('pattern_type'); need('valid_from');
      if (o.valid_from !== undefined && !isTs(o.valid_from)) p.push(`${where}: valid_from must be a timestamp`);
      if (o.valid_until !== undefined && !(isTs(o.valid_until) && isTs(o.valid_from) && Date.parse(o.valid_until) > Date.parse(o.valid_from))) p.push(`${where}: valid_until must be after valid_from`);
      if (o.indicator_types !== undefined && !(isStrList(o.indicator_types) && o.indicator_types.every((x) => INDICATOR_TYPES.has(x)))) p.push(`${where}: indicator_types not in vocabulary`);
      if (o.pattern_type === 'stix' && typeof o.pattern === 'string') {
        const m = /^\[(ipv4-addr|ipv6-addr):value = '([^'\\]+)'\]$/.exec(o.pattern);
        if (!m) p.push(`${where}: pattern is not a simple address comparison: ${o.pattern}`);
        else if (!canonicalValue(m[2]!) || (m[1] === 'ipv6-addr') !== m[2]!.includes(':')) p.push(`${where}: pattern address ${m[2]} is not a canonical ${m[1]}`);
      }
      break;
    case 'observed-data':
      need('first_observed'); need('last_observed'); need('number_observed');
      if (!isTs(o.first_observed) || !isTs(o.last_observed)) p.push(`${where}: first/last_observed must be timestamps`);
      else if (Date.parse(o.last_observed) < Date.parse(o.first_observed)) p.push(`${where}: last_observed before first_observed`);
      if (!intIn(o.number_observed, 1, MAX_COUNT)) p.push(`${where}: number_observed must be 1..999999999`);
      if (o.objects !== undefined) p.push(`${where}: objects is deprecated in 2.1; use object_refs`);
      if (!(Array.isArray(o.object_refs) && o.object_refs.length > 0 && o.object_refs.every((r) => isId(r, new Set([...SCO, ...SRO]))))) p.push(`${where}: object_refs must list SCOs/SROs`);
      break;
    case 'relationship':
      need('relationship_type'); need('source_ref'); need('target_ref');
      if (typeof o.relationship_type !== 'string' || !/^[a-z0-9-]+$/.test(o.relationship_type)) p.push(`${where}: bad relationship_type`);
      if (!isId(o.source_ref) || !isId(o.target_ref)) p.push(`${where}: source_ref/target_ref must be identifiers`);
      break;
    case 'sighting':
      need('sighting_of_ref');
      if (!isId(o.sighting_of_ref, SDO)) p.push(`${where}: sighting_of_ref must reference an SDO`);
      if (o.count !== undefined && !intIn(o.count, 0, MAX_COUNT)) p.push(`${where}: count must be 0..999999999`);
      if (o.first_seen !== undefined && !isTs(o.first_seen)) p.push(`${where}: first_seen must be a timestamp`);
      if (o.last_seen !== undefined && !isTs(o.last_seen)) p.push(`${where}: last_seen must be a timestamp`);
      if (isTs(o.first_seen) && isTs(o.last_seen) && Date.parse(o.last_seen) < Date.parse(o.first_seen)) p.push(`${where}: last_seen before first_seen`);
      if (o.observed_data_refs !== undefined && !(Array.isArray(o.observed_data_refs) && o.observed_data_refs.every((r) => isId(r, 'observed-data')))) p.push(`${where}: observed_data_refs must reference observed-data`);
      if (o.where_sighted_refs !== undefined && !(Array.isArray(o.where_sighted_refs) && o.where_sighted_refs.every((r) => isId(r, new Set(['identity', 'location']))))) p.push(`${where}: where_sighted_refs must reference identity or location`);
      break;
    case 'ipv4-addr':
    case 'ipv6-addr': {
      need('value');
      const v = o.value;
      if (typeof v !== 'string' || !canonicalValue(v) || (t === 'ipv6-addr') !== v.includes(':')) p.push(`${where}: value is not an ${t}`);
      else if (o.id !== `${t}--${uuidv5(JSON.stringify({ value: v }), STIX_SCO_NS)}`) p.push(`${where}: SCO id is not the UUIDv5 of its value (§2.9)`);
      break;
    }
    case 'marking-definition':
      need('created');
      break;
    default:
      if (!SDO.has(t) && !SRO.has(t) && !SCO.has(t) && !t.startsWith('x-')) p.push(`${where}: unknown object type`);
  }
  return p;
}

export function validateBundle(b: unknown): string[] {
  const p: string[] = [];
  if (!b || typeof b !== 'object') return ['bundle is not an object'];
  const o = b as O;
  if (o.type !== 'bundle') p.push('bundle: type must be "bundle"');
  if (!isId(o.id, 'bundle')) p.push('bundle: id must be "bundle--<uuid>"');
  if (o.spec_version !== undefined) p.push('bundle: spec_version is not a bundle property in 2.1');
  if (!Array.isArray(o.objects)) return [...p, 'bundle: objects must be a list'];
  const ids = new Set<string>();
  for (const obj of o.objects as O[]) {
    if (ids.has(String(obj.id))) p.push(`bundle: duplicate object ${String(obj.id)}`);
    ids.add(String(obj.id));
    p.push(...validateObject(obj));
  }
  // Every reference must resolve inside the bundle (TLP markings are predefined by the spec).
  for (const obj of o.objects as O[]) {
    for (const [k, v] of Object.entries(obj)) {
      const refs = k.endsWith('_ref') ? [v] : k.endsWith('_refs') && Array.isArray(v) ? v : [];
      for (const r of refs) if (typeof r === 'string' && !ids.has(r) && !TLP_IDS.has(r)) p.push(`${String(obj.id)}: ${k} ${r} does not resolve in the bundle`);
    }
  }
  return p;
}
