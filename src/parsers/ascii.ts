/**
 * A line as bytes, for the syslog header and the byte scanners (kv.ts, FortiGate, CEF, Check Point, LEEF,
 * PAN-OS CSV; netfilter keeps a buffer of its own, see there). In V8 `charCodeAt` on a sliced string costs
 * several times a typed-array load and `indexOf` is a builtin call per search, while `encodeInto` copies an
 * ASCII line in a couple of instructions a character. Only ASCII lines up to BYTES_MAX are read this way, so
 * that a byte is a character and every position is the string's (values are still sliced from the string).
 */
export const BYTES_MAX = 8192;

/**
 * The bytes of the text asciiBytes last accepted, followed by a space at [n] and a 0 at [n + 1]: a scanner
 * that walks to a space stops at the end, one that skips spaces stops one past it. Bytes after [n + 1] are
 * left from earlier lines: never read them. One buffer serves every scanner here and the syslog header: a
 * scanner is done with it before it calls anything that may encode another text (its rename and lookup
 * helpers do not). The header reads each line here first (see `bytesHold`), so that the vendor's scanner,
 * reading that line's message, does not encode it again.
 */
export const BYTES = new Uint8Array(BYTES_MAX + 2);

const ENCODER = new TextEncoder();

/** The text whose bytes BYTES holds from [heldAt] though asciiBytes did not encode it (the header's message). */
let held: string | undefined;
let heldAt = 0;

/**
 * The syslog header has read a line in BYTES and `message`, the end of that line, starts at [at]: asciiBytes
 * moves it down to [0] if a scanner asks for it instead of encoding it again (moved only then: a vendor
 * that reads no bytes does not pay for it). undefined: BYTES holds nothing to trust.
 */
export function bytesHold(message: string | undefined, at = 0): void {
  held = message;
  heldAt = at;
  epoch++;
}

/**
 * Counts the writes into BYTES (the header's line, a copy or an encoding by asciiBytes): a scanner that keeps
 * positions in BYTES across calls (netfilter's detect, then its read) trusts them only while this is unchanged.
 */
let epoch = 0;
export function bytesEpoch(): number {
  return epoch;
}

/**
 * Puts s in BYTES and returns true when s is ASCII and at most BYTES_MAX characters long; false otherwise
 * (BYTES then holds nothing usable). Both counts are checked: a line that does not fit could stop with as
 * many bytes written as it has characters.
 */
export function asciiBytes(s: string): boolean {
  const n = s.length;
  // Usually the very message the header read (the same string: no characters compared).
  if (s === held) {
    // A copy within the buffer costs about a third of encoding a line again.
    if (heldAt > 0) { BYTES.copyWithin(0, heldAt, heldAt + n); heldAt = 0; epoch++; }
  } else {
    held = undefined;
    epoch++;
    if (n > BYTES_MAX) return false;
    const r = ENCODER.encodeInto(s, BYTES);
    if (r.read !== n || r.written !== n) return false;
  }
  BYTES[n] = 32;
  BYTES[n + 1] = 0;
  return true;
}

/** 1 for the bytes a CEF key is made of in cef.ts (letters, digits, "_", ".", "-"), else 0. */
export const CEF_KEY_BYTE = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45) CEF_KEY_BYTE[c] = 1;
}

/** 1 for the bytes a CEF key is made of in cef-fields.ts (letters, digits, "_", "."), else 0. */
export const CEF_FIELD_KEY_BYTE = new Uint8Array(256);
for (let c = 0; c < 128; c++) if (CEF_KEY_BYTE[c] === 1 && c !== 45) CEF_FIELD_KEY_BYTE[c] = 1;
