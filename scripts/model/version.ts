/** opsgate's own version, from its package.json (the bin prints it; reports carry it). Edge: reads a file. */
export async function readVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { codePath } = await import('./code-root.ts');
  return (JSON.parse(await readFile(codePath('package.json'), 'utf8')) as { version: string }).version;
}
