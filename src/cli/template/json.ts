// encoding/json as Docker's `json` function calls it (SetEscapeHTML(false)): keys in the
// document's order (Docker encodes typed structs, whose field order the inspect data keep), a
// --format row's in sorted order (docker/cli marshals its contexts through a map),
// U+2028/U+2029 escaped as Go does, a float constant such as 1.0 as 1; a --format row's
// strings HTML-escaped as json.Marshal does.
import { GoByte, GoFloat, STRUCT, sortedKeys } from './value.js';
import { GO_JSON, GO_NIL } from './docker-types.js';

export function jsonEncode(v: unknown): string {
  // a constant -0.0 (only a template constant can be one, and only at the top)
  if (v instanceof GoFloat && Object.is(v.f, -0)) return '-0';
  const s = JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof GoFloat) return x.f;
    if (x instanceof GoByte) return x.b;
    if (typeof x === 'function') return undefined;
    if (x && typeof x === 'object' && GO_NIL in x) return null; // a nil slice or map
    if (x && typeof x === 'object' && GO_JSON in x) return Object.fromEntries((x as { [GO_JSON]: [string, unknown][] })[GO_JSON]);
    if (x && typeof x === 'object' && STRUCT in x) {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(sortedKeys(o).filter((k) => typeof o[k] !== 'function').map((k) => [k, o[k]]));
    }
    return x;
  });
  const out = (s ?? 'null').replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
  // A --format row is docker/cli's context, whose MarshalJSON is json.Marshal: HTML-escaped
  // (`->` of ps's Ports is `-\u003e`); the function's own encoder does not escape. (<, >, &
  // occur in JSON text only inside strings.)
  return v && typeof v === 'object' && STRUCT in v ? out.replace(/[<>&]/g, (c) => HTML_ESCAPES[c]!) : out;
}

const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };
