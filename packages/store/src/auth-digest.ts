/**
 * The `digest` auth scheme (ZooKeeper's DigestAuthenticationProvider, checked in 3.8.4 and 3.9.5).
 *
 * - The id for "user:password" is `user:base64(sha1("user:password"))`: the hash covers the whole
 *   string and the user is everything before the FIRST ':' (Java `split(":", 2)`). A string without
 *   ':' hashes the same way and keeps the whole string as its user part.
 * - The hash input is the string's UTF-8 bytes (`getBytes(UTF_8)`); Java writes an unpaired
 *   surrogate as '?', and so does `utf8BytesOf` here.
 * - addauth bytes become a string with `new String(bytes)`, the platform charset, UTF-8 on the
 *   Linux JVMs ZooKeeper runs on: malformed sequences become U+FFFD and a leading BOM is kept.
 *   Checked against ZooKeeper 3.8.0's generateDigest on JDK 17 with random bytes: identical, except
 *   that Java folds an encoded surrogate (ED A0..BF xx) or a multi-byte sequence cut off by the end
 *   of the input into ONE U+FFFD where the WHATWG decoder used here writes one per byte. Real
 *   clients send well-formed UTF-8, where the two agree.
 * - Base64 is the standard alphabet with '=' padding (ZooKeeper's own base64Encode).
 */
import { sha1 } from './sha1.ts';

/** `user:base64(sha1(userColonPassword))`, e.g. "user:pass" -> "user:smGaoVKd/cQkjm7b88GyorAUz20=". */
export function digestOf(userColonPassword: string): string {
  const colon = userColonPassword.indexOf(':');
  const user = colon === -1 ? userColonPassword : userColonPassword.slice(0, colon);
  return `${user}:${base64Of(sha1(utf8BytesOf(userColonPassword)))}`;
}

/** The digest id an addauth packet's raw bytes authenticate as (bytes decoded as Java would). */
export function digestOfAuthBytes(auth: Uint8Array): string {
  return digestOf(authBytesDecoder.decode(auth));
}

/**
 * Whether `id` is acceptable in a digest ACL (DigestAuthenticationProvider.isValid:
 * `id.split(":").length == 2`). Java's split drops trailing empty strings, so trailing colons
 * are ignored and the rest must hold exactly one ':': "u:h" and ":h" and "u:h::" pass;
 * "u", "u:", "u:h:x" and "" fail.
 */
export function isValidDigestAcl(id: string): boolean {
  let end = id.length;
  while (end > 0 && id.charCodeAt(end - 1) === 0x3a) end--;
  const first = id.indexOf(':');
  return first !== -1 && first < end && id.lastIndexOf(':', end - 1) === first;
}

/**
 * The user name WhoAmI reports for a digest id (DigestAuthenticationProvider.getUserName:
 * `id.split(":")[0]`), i.e. everything before the first ':'.
 */
export function digestUserOf(id: string): string {
  const colon = id.indexOf(':');
  return colon === -1 ? id : id.slice(0, colon);
}

const authBytesDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** UTF-8 bytes of a JS string, with Java's `getBytes(UTF_8)` treatment of unpaired surrogates ('?'). */
export function utf8BytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0x3f; // '?', as Java's encoder replaces a lone surrogate
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, n);
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with '=' padding. */
export function base64Of(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += base64Alphabet[v >> 18]! + base64Alphabet[(v >> 12) & 63]! + base64Alphabet[(v >> 6) & 63]! + base64Alphabet[v & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i]! << 16;
    out += `${base64Alphabet[v >> 18]!}${base64Alphabet[(v >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${base64Alphabet[v >> 18]!}${base64Alphabet[(v >> 12) & 63]!}${base64Alphabet[(v >> 6) & 63]!}=`;
  }
  return out;
}
