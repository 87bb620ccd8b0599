/**
 * Host-side scripts are written as String.raw templates, where `${` would be a
 * JavaScript interpolation: they spell shell parameter expansion `%{…}` and
 * this turns it back into `${…}`. Pure.
 */
export function shellText(text: string): string {
  if (text.includes('${')) throw new Error('a host-side script uses ${ directly; write %{ instead');
  return text.replaceAll('%{', '${');
}
