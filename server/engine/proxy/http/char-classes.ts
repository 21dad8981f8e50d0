/**
 * Character classes of RFC 9110/9112's grammar as 256-entry tables, indexed by byte, or by char
 * code of latin1-decoded text (one char per byte, so the same tables serve both).
 */

function table(accepts: (code: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let code = 0; code < 256; code++) t[code] = accepts(code) ? 1 : 0;
  return t;
}

const TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** tchar: header field names, methods, chunk extension names and token values. */
export const TOKEN = table((c) => TCHAR.includes(String.fromCharCode(c)));

/** field-vchar / SP / HTAB (obs-text included): what a field value may hold. Also what may follow `\` in a quoted-pair. */
export const FIELD_VALUE = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** qdtext: inside a quoted-string, except `"` and `\`. */
export const QDTEXT = table((c) => c === 0x09 || c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x7e && c !== 0x5c) || c >= 0x80);

/** VCHAR: what a request target may hold (no obs-text: Node's parser refuses it too). */
export const VCHAR = table((c) => c >= 0x21 && c <= 0x7e);
