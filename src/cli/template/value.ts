// Go's view of the data a template runs on. The data are JSON-like JS values; each has the Go type
// Docker's typed inspect structs would give it: integers are `int`, other numbers `float64`,
// arrays of strings `[]string`, objects of strings `map[string]string`, other arrays and objects
// `[]interface {}` / `map[string]interface {}`, null a nil interface. A few more are made by
// templates themselves: GoFloat (a float constant such as 1.0) and GoStruct (a Docker formatter
// context such as ps's, whose fields are methods).

export class GoFloat {
  constructor(readonly f: number) {}
}

/** A byte (uint8), which `index` and `slice`-free indexing of a string give. */
export class GoByte {
  constructor(readonly b: number) {}
}

/** A Go struct (pointer) value: a missing field is "can't evaluate field X in type T". */
export const STRUCT = Symbol('go struct type');
export type GoStruct = Record<string, unknown> & { [STRUCT]: string };
export function goStruct<T extends object>(typeName: string, fields: T): T & { [STRUCT]: string } {
  return Object.assign(Object.create(null) as object, fields, { [STRUCT]: typeName }) as T & { [STRUCT]: string };
}

import { GO_EMPTY_STRUCT } from './docker-types.js';

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'func' | 'struct';

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      // JSON integers beyond int64 are float64 in Go, as in Docker's decoding
      return Number.isInteger(v) && Math.abs(v as number) < 2 ** 63 ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
  }
  if (v instanceof GoFloat) return 'float';
  if (v instanceof GoByte) return 'int';
  if (Array.isArray(v)) return 'slice';
  if (STRUCT in (v as object) || GO_EMPTY_STRUCT in (v as object)) return 'struct';
  return 'map';
}

export const isStringSlice = (v: unknown[]): boolean => v.every((x) => typeof x === 'string');
export const isStringMap = (v: object): boolean => Object.values(v).every((x) => typeof x === 'string');

/** The Go type's name, as error messages and %T print it. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return v instanceof GoByte ? 'uint8' : 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'func':
      return 'func(...) string';
    case 'slice':
      return isStringSlice(v as unknown[]) ? '[]string' : '[]interface {}';
    case 'struct':
      if (GO_EMPTY_STRUCT in (v as object)) return 'struct {}';
      return '*' + (v as GoStruct)[STRUCT]; // Docker's contexts are pointers
    case 'map':
      return isStringMap(v as object) ? 'map[string]string' : 'map[string]interface {}';
  }
}

/** The element type of a slice or map (for "index" of a missing key: its zero value). */
export function zeroElem(v: unknown[] | object): unknown {
  return (Array.isArray(v) ? isStringSlice(v) : isStringMap(v)) ? '' : null;
}

export const num = (v: unknown): number => (v instanceof GoFloat ? v.f : v instanceof GoByte ? v.b : (v as number));

/** Map keys in Go's order (fmt and range sort string keys bytewise). */
export function sortedKeys(m: object): string[] {
  return Object.keys(m).sort((a, b) => {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return Buffer.compare(x, y);
  });
}
