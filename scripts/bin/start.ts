// What the bin imports from a bundle (scripts/bin/build.mjs): lint's one-file program for a
// lint command line, the code-split program of every command otherwise (program-for.ts).
// A process loads one of the two, so every class (model/errors.ts) exists once in it and
// run-cli.ts's instanceof checks hold.
import { programFor } from './program-for.ts';

await import(new URL(programFor(process.argv.slice(2)), import.meta.url).href);
