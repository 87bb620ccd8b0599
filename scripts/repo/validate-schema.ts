import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { Located } from './parse-yaml.ts';

// ajv-formats ships CommonJS; under ESM the function may sit on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

export interface SchemaValidator {
  /** Validates data against the named schema; diagnostics carry pointer, position, allowed values and a hint. */
  validate(schemaName: string, data: unknown, file: string, locate: (pointer: string, opts?: { key?: boolean }) => Located): Diagnostic[];
  has(schemaName: string): boolean;
}

/** Builds a validator from schema objects (keyed by name, e.g. `change`). Pure: no I/O. */
export function createSchemaValidator(schemas: Record<string, object>): SchemaValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, discriminator: true, allowUnionTypes: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const get = (name: string) => {
    let fn = compiled.get(name);
    if (!fn) {
      const schema = schemas[name];
      if (!schema) throw new Error(`no schema named ${name}`);
      fn = ajv.compile(schema);
      compiled.set(name, fn);
    }
    return fn;
  };
  return {
    has: (name) => name in schemas,
    validate(name, data, file, locate) {
      const fn = get(name);
      if (fn(data)) return [];
      const ds = (fn.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => toDiagnostic(e, name, file, locate));
      // One mistake, one finding: a timestamp without offset fails both its pattern and its format.
      const patterned = new Set(ds.filter((d) => d.code === 'schema.pattern').map((d) => d.pointer));
      return ds.filter((d) => !(d.code === 'schema.format' && patterned.has(d.pointer)));
    },
  };
}

function toDiagnostic(e: ErrorObject, schemaName: string, file: string, locate: (p: string, o?: { key?: boolean }) => Located): Diagnostic {
  const where = e.instancePath || '/';
  const schemaRef = `schemas/${schemaName}.schema.json`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const prop = String(p.missingProperty);
      return diagnostic('schema.required', { file, ...locate(e.instancePath) }, `${where}: missing required property '${prop}'`, {
        pointer: `${e.instancePath}/${prop}`,
        hint: `add \`${prop}:\` here (${describeProperty(e.parentSchema, prop) ?? `see ${schemaRef}`})`,
      });
    }
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return diagnostic('schema.unknown-property', { file, ...locate(`${e.instancePath}/${escape(prop)}`, { key: true }) }, `${where}: unknown property '${prop}'`, {
        pointer: `${e.instancePath}/${escape(prop)}`,
        hint: `allowed here: ${allowed.join(', ')}; check the spelling`,
      });
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return diagnostic('schema.enum', { file, ...locate(e.instancePath) }, `${where}: value is not one of the allowed values: ${allowed}`, { pointer: e.instancePath, hint: `use one of ${allowed}` });
    }
    case 'const':
      return diagnostic('schema.const', { file, ...locate(e.instancePath) }, `${where}: must be ${JSON.stringify(p.allowedValue)}`, { pointer: e.instancePath, hint: `set it to ${JSON.stringify(p.allowedValue)}` });
    case 'type':
      return diagnostic('schema.type', { file, ...locate(e.instancePath) }, `${where}: must be ${String(p.type)}`, { pointer: e.instancePath, hint: typeHint(String(p.type)) });
    case 'format':
      return diagnostic('schema.format', { file, ...locate(e.instancePath) }, `${where}: must be a valid ${String(p.format)}`, { pointer: e.instancePath, hint: formatHint(String(p.format)) });
    case 'pattern':
      return diagnostic('schema.pattern', { file, ...locate(e.instancePath) }, `${where}: does not match the expected form ${String(p.pattern)}`, {
        pointer: e.instancePath,
        hint: String(p.pattern).endsWith('\\d{2})$') ? 'timestamps need an explicit offset, e.g. 2026-11-28T22:00:00+08:00' : (e.parentSchema as { description?: string })?.description ?? `see ${schemaRef}`,
      });
    case 'discriminator':
      return diagnostic('schema.discriminator', { file, ...locate(e.instancePath) }, `${where}: ${e.message ?? 'unknown kind'}`, { pointer: e.instancePath, hint: 'set `kind:` to one of run, upload, converge' });
    default:
      return diagnostic(`schema.${e.keyword}`, { file, ...locate(e.instancePath) }, `${where}: ${e.message ?? 'is invalid'}`, { pointer: e.instancePath, hint: `see ${schemaRef}` });
  }
}

function escape(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeProperty(parentSchema: unknown, prop: string): string | undefined {
  const d = (parentSchema as { properties?: Record<string, { description?: string }> })?.properties?.[prop]?.description;
  return d ? `${prop}: ${d}` : undefined;
}

function typeHint(type: string): string {
  if (type === 'array') return 'write a YAML list: each item on its own line starting with "- "';
  if (type === 'object') return 'write a mapping: indented key: value lines';
  if (type === 'string') return 'quote the value, e.g. "0644" or "22:00"';
  if (type === 'integer') return 'write a whole number without quotes';
  return `expected ${type}`;
}

function formatHint(format: string): string {
  if (format === 'date-time') return 'write an ISO 8601 timestamp with offset, e.g. 2026-11-28T22:00:00+08:00';
  if (format === 'date') return 'write a date as YYYY-MM-DD';
  if (format === 'email') return 'write an e-mail address like name@example.com';
  return `expected a ${format}`;
}
