// Validates an AsyncAPI document with the official parser: `node validate.mjs spec/asyncapi.yaml`.
// Errors fail the check; warnings are printed, since they are advice rather than contract violations.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Parser, fromFile } from "@asyncapi/parser";

const SEVERITY = ["error", "warning", "info", "hint"];
const path = process.argv[2];
if (!path) {
  console.error("usage: node validate.mjs <asyncapi.yaml>");
  process.exit(2);
}
await readFile(path); // a clear error for a missing file, before the parser's
const { document, diagnostics } = await fromFile(new Parser(), resolve(path)).parse();
for (const diagnostic of diagnostics) {
  const { start } = diagnostic.range ?? { start: { line: 0, character: 0 } };
  const where = `${path}:${start.line + 1}:${start.character + 1}`;
  console.log(`${where}: ${SEVERITY[diagnostic.severity]}: ${diagnostic.message} [${diagnostic.code}]`);
}
const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 0);
if (!document || errors.length > 0) {
  console.error(`${path}: ${errors.length} error(s); the AsyncAPI parser rejects the document`);
  process.exit(1);
}
console.log(`${path}: valid AsyncAPI ${document.version()} (${document.operations().length} operations)`);
