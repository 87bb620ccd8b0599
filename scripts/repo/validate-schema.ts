import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { suggest } from '../rules/suggest.ts';
import { DATE_FORMATS } from './date-formats.ts';
import type { Located } from './parse-yaml.ts';
import { precompiledValidators } from './precompiled-validators.ts';
import type { PrecompiledValidator } from './validators.generated.mjs';

// Ajv itself is loaded only when a schema has no precompiled validator (an organisation's
// own edit, or gen:types): requiring ajv and ajv-formats costs about 0.1 s of start-up.
const requireLazy = createRequire(import.meta.url);

/**
 * One set of options for run-time compilation and for the precompiled validators
 * (scripts/repo/generate-validators.ts). `verbose` gives each error its schema, so
 * hints can list the allowed properties and show the property's description.
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, strictRequired: false, discriminator: true, allowUnionTypes: true, verbose: true } as const satisfies Options;

export function createAjv(extra: Options = {}): Ajv2020 {
  const { Ajv2020: Ajv } = requireLazy('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const formats = requireLazy('ajv-formats') as { default?: unknown };
  // ajv-formats ships CommonJS; the function may sit on `.default`.
  const addFormats = (formats.default ?? formats) as (ajv: Ajv2020) => Ajv2020;
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv);
  // The same decisions as ajv-formats' date and date-time, faster (date-formats.ts); its comparisons stay.
  for (const [name, format] of Object.entries(DATE_FORMATS)) ajv.addFormat(name, { ...(ajv.formats[name] as object), ...format });
  return ajv;
}

/** The fingerprint that decides whether a precompiled validator belongs to a schema as read. */
export function schemaFingerprint(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

export interface SchemaValidator {
  /** Validates data against the named schema; diagnostics carry pointer, position, allowed values and a hint. */
  validate(schemaName: string, data: unknown, file: string, locate: (pointer: string, opts?: { key?: boolean }) => Located): Diagnostic[];
  has(schemaName: string): boolean;
}

/**
 * Builds a validator from schema objects (keyed by name, e.g. `change`). Pure: no I/O.
 * A schema identical to one shipped with opsgate uses the validator generated at build
 * time (no compilation, about half a second saved per run); any other schema, such as
 * an organisation's own edit, is compiled here with the same options.
 */
export function createSchemaValidator(schemas: Record<string, object>, options: { precompiled?: Record<string, PrecompiledValidator | undefined> | false } = {}): SchemaValidator {
  // Loaded on the first validation, not here: many commands build a validator and validate nothing.
  let precompiled = options.precompiled === false ? {} : options.precompiled;
  let ajv: Ajv2020 | undefined;
  const compiled = new Map<string, ValidateFunction>();
  const get = (name: string): ValidateFunction => {
    let fn = compiled.get(name);
    if (!fn) {
      const schema = schemas[name];
      if (!schema) throw new Error(`no schema named ${name}`);
      const ready = (precompiled ??= precompiledValidators())[name];
      if (ready && ready.sha256 === schemaFingerprint(schema)) fn = ready.validate as ValidateFunction;
      else fn = (ajv ??= createAjv()).compile(schema);
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

interface PropertySchema {
  description?: string;
  properties?: Record<string, PropertySchema>;
}

function toDiagnostic(e: ErrorObject, schemaName: string, file: string, locate: (p: string, o?: { key?: boolean }) => Located): Diagnostic {
  const where = humanPath(e.instancePath);
  // Messages name the property in words; at the top level the location says enough.
  const on = e.instancePath ? `${where}: ` : '';
  const schemaRef = `schemas/${schemaName}.schema.json`;
  const p = e.params as Record<string, unknown>;
  const parent = e.parentSchema as PropertySchema | undefined;
  // What the property is for, from its schema: editors show the same text.
  const about = parent?.description ? ` (${where}: ${trimDot(parent.description)})` : '';
  const at = { file, ...locate(e.instancePath) };
  switch (e.keyword) {
    case 'required': {
      const prop = String(p.missingProperty);
      return diagnostic('schema.required', at, `${on}missing required property '${prop}'`, {
        pointer: `${e.instancePath}/${escape(prop)}`,
        hint: `add \`${prop}:\` here (${describeProperty(parent, prop) ?? `see ${schemaRef}`})`,
      });
    }
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const close = suggest(prop, allowed);
      const didYouMean = close.length ? `did you mean ${close.map((k) => `\`${k}\`${describeProperty(parent, k) ? ` (${trimDot(parent!.properties![k]!.description!)})` : ''}`).join(' or ')}? ` : '';
      return diagnostic('schema.unknown-property', { file, ...locate(`${e.instancePath}/${escape(prop)}`, { key: true }) }, `${on}unknown property '${prop}'`, {
        pointer: `${e.instancePath}/${escape(prop)}`,
        hint: `${didYouMean}allowed here: ${allowed.length ? allowed.join(', ') : 'none'}`,
      });
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return diagnostic('schema.enum', at, `${where}: ${JSON.stringify(e.data)} is not one of the allowed values: ${allowed}`, { pointer: e.instancePath, hint: `use one of ${allowed}${about}` });
    }
    case 'const':
      return diagnostic('schema.const', at, `${where}: must be ${JSON.stringify(p.allowedValue)}`, { pointer: e.instancePath, hint: `set it to ${JSON.stringify(p.allowedValue)}${about}` });
    case 'type':
      return diagnostic('schema.type', at, `${where}: must be ${String(p.type).replace(/,/g, ' or ')}`, { pointer: e.instancePath, hint: `${typeHint(String(p.type))}${about}` });
    case 'format':
      return diagnostic('schema.format', at, `${where}: must be a valid ${String(p.format)}`, { pointer: e.instancePath, hint: `${formatHint(String(p.format))}${about}` });
    case 'pattern': {
      const timestamp = String(p.pattern).endsWith('\\d{2})$');
      return diagnostic('schema.pattern', at, `${where}: ${timestamp ? 'a timestamp needs an explicit UTC offset' : 'does not have the expected form'}`, {
        pointer: e.instancePath,
        hint: timestamp ? 'write it with its offset, e.g. 2026-11-28T22:00:00+08:00' : parent?.description ? trimDot(parent.description) : `see ${schemaRef}`,
      });
    }
    case 'discriminator':
      return diagnostic('schema.discriminator', at, `${where}: ${e.message ?? 'unknown kind'}`, { pointer: e.instancePath, hint: 'set `kind:` to one of run, upload, converge' });
    default:
      return diagnostic(`schema.${e.keyword}`, at, `${where}: ${e.message ?? 'is invalid'}`, { pointer: e.instancePath, hint: parent?.description ? trimDot(parent.description) : `see ${schemaRef}` });
  }
}

/** A JSON pointer as a reader writes the path: `/steps/0/argv` → `steps[0].argv`; the root is "the document". Pure. */
export function humanPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return 'the document';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function trimDot(s: string): string {
  return s.trim().replace(/\.$/, '');
}

function escape(seg: string): string {
  return seg.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeProperty(parentSchema: PropertySchema | undefined, prop: string): string | undefined {
  const d = parentSchema?.properties?.[prop]?.description;
  return d ? `${prop}: ${trimDot(d)}` : undefined;
}

function typeHint(type: string): string {
  if (type === 'array') return 'write a YAML list: each item on its own line starting with "- "';
  if (type === 'object') return 'write a mapping: indented key: value lines';
  if (type === 'string') return 'quote the value, e.g. "0644" or "22:00"';
  if (type === 'integer') return 'write a whole number without quotes';
  return `expected ${type.replace(/,/g, ' or ')}`;
}

function formatHint(format: string): string {
  if (format === 'date-time') return 'write an ISO 8601 timestamp with offset, e.g. 2026-11-28T22:00:00+08:00';
  if (format === 'date') return 'write a date as YYYY-MM-DD';
  if (format === 'email') return 'write an e-mail address like name@example.com';
  return `expected a ${format}`;
}
