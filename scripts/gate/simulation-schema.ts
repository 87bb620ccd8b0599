import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { createAjv, humanPath, schemaFingerprint } from '../repo/validate-schema.ts';
import simulationSchema from './simulation.schema.json' with { type: 'json' };

/** The repository schemas the simulation file refers to: its policy, people, groups and freezes are checked by them, not by copies. */
const REFERENCED = ['approval', 'person', 'group', 'calendar'] as const;

/** Compiled once per set of schemas (a process normally sees one; the tests run many simulations). */
const compiled = new Map<string, ValidateFunction>();

function compile(schemas: Record<string, object>): ValidateFunction {
  const missing = REFERENCED.filter((n) => !schemas[n]);
  if (missing.length) throw new Error(`opsgate's schemas are incomplete: no ${missing.map((n) => `schemas/${n}.schema.json`).join(', ')}`);
  const key = schemaFingerprint(REFERENCED.map((n) => schemas[n]!));
  let fn = compiled.get(key);
  if (!fn) {
    const ajv = createAjv();
    for (const n of REFERENCED) ajv.addSchema(schemas[n]!);
    fn = ajv.compile(simulationSchema);
    compiled.set(key, fn);
  }
  return fn;
}

/**
 * Checks a parsed simulation file (scripts/gate/simulation.schema.json) and returns every
 * violation as `FILE: json.path: what is wrong (what is expected)`, or [] when it has the shape
 * the gate needs. Pure apart from compiling the schema.
 */
export function checkSimulation(data: unknown, file: string, schemas: Record<string, object>): string[] {
  const validate = compile(schemas);
  if (validate(data)) return [];
  const lines = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => `${file}: ${describeError(e)}`);
  return [...new Set(lines)];
}

const ARTICLE: Record<string, string> = { object: 'an object', array: 'an array', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null' };

function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const at = e.instancePath ? humanPath(e.instancePath) : 'the file';
  const got = ` (it is ${shapeOf(e.data)})`;
  switch (e.keyword) {
    case 'type':
      return `${at}: must be ${String(p.type)
        .split(',')
        .map((t) => ARTICLE[t] ?? t)
        .join(' or ')}${got}`;
    case 'required':
      return `${at}: missing required property '${String(p.missingProperty)}'`;
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `${at}: unknown property '${String(p.additionalProperty)}'${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    case 'enum':
      return `${at}: ${JSON.stringify(e.data)} is not one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}`;
    case 'format':
      return `${at}: ${JSON.stringify(e.data)} is not a valid ${String(p.format)}${p.format === 'date-time' ? ' (e.g. 2026-11-28T22:00:00+08:00)' : ''}`;
    default:
      return `${at}: ${e.message ?? 'is invalid'}`;
  }
}

function shapeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length ? 'an array' : 'an empty array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : JSON.stringify(v);
  return String(v);
}
