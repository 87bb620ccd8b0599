import { describe, expect, it } from 'vitest';
import { parseYamlText, YAML_LIMITS } from '../../scripts/repo/parse-yaml.ts';

describe('parseYamlText positions', () => {
  const text = ['id: CHG-2026-0001', 'targets:', '  hosts:', '    - web-01', '    - web-02', 'window:', '  start: "x"', ''].join('\n');
  it.each([
    ['/id', { line: 1, col: 5 }],
    ['/targets/hosts/1', { line: 5, col: 7 }],
    ['/window/start', { line: 7, col: 10 }],
    ['/window/missing', { line: 7, col: 3 }],
  ])('locates %s', (pointer, pos) => {
    const p = parseYamlText(text, 'changes/2026/CHG-2026-0001.yaml');
    expect(p.diagnostics).toEqual([]);
    expect(p.locate(pointer)).toEqual(pos);
  });

  it('locates keys when asked', () => {
    const p = parseYamlText(text, 'f.yaml');
    expect(p.locate('/window/start', { key: true })).toEqual({ line: 7, col: 3 });
  });

  it('shifts lines for front matter', () => {
    // The unclosed [ is reported at the end of the input: line 3 of the YAML, line 4 of the Markdown file.
    expect(parseYamlText('id: x\nbad: [\n', 'f.yaml').diagnostics).toMatchObject([{ code: 'yaml.syntax', line: 3, col: 1 }]);
    expect(parseYamlText('id: x\nbad: [\n', 'runbooks/x.md', 1).diagnostics).toMatchObject([{ code: 'yaml.syntax', line: 4, col: 1 }]);
  });

  it.each([
    ['a: 1\na: 2\n', 'yaml.duplicate-key', 2],
    ['a: !include other.yaml\n', 'yaml.unknown-tag', 1],
    ['a: 1\n---\nb: 2\n', 'yaml.multiple-documents', 2],
    ['- a\n- b\n', 'yaml.not-mapping', 1],
    ['just a scalar\n', 'yaml.not-mapping', 1],
    ['', 'yaml.empty', 1],
    ['x: 1\n__proto__:\n  polluted: true\n', 'yaml.forbidden-key', 2],
  ])('%j → %s at line %i', (input, code, line) => {
    const p = parseYamlText(input, 'f.yaml');
    expect(p.data).toBeUndefined();
    expect(p.diagnostics[0]).toMatchObject({ code, line, file: 'f.yaml' });
  });

  it('rejects a line one character over the limit, also when it is the whole text', () => {
    const max = YAML_LIMITS.maxLineLength;
    expect(parseYamlText(`a: ${'x'.repeat(max - 3)}`, 'f.yaml').diagnostics).toEqual([]);
    expect(parseYamlText(`a: ${'x'.repeat(max - 2)}`, 'f.yaml').diagnostics).toMatchObject([{ code: 'yaml.line-too-long', line: 1 }]);
    expect(parseYamlText(`id: a\na: ${'x'.repeat(max - 2)}\n`, 'f.yaml').diagnostics).toMatchObject([{ code: 'yaml.line-too-long', line: 2 }]);
  });

  it('rejects invalid UTF-8 at the offending line', () => {
    const bytes = Buffer.concat([Buffer.from('id: a\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const p = parseYamlText(bytes, 'f.yaml');
    expect(p.diagnostics[0]).toMatchObject({ code: 'yaml.encoding', line: 2, col: 10 });
  });

  it('keeps shell metacharacters literal', () => {
    const p = parseYamlText('argv: ["echo", "; rm -rf /tmp/x", "$(touch /tmp/pwned)"]\n', 'f.yaml');
    expect(p.data).toEqual({ argv: ['echo', '; rm -rf /tmp/x', '$(touch /tmp/pwned)'] });
  });
});
