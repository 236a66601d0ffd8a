// The code-shape check (docs/architecture.md, "Code shape"): lists every source file over 400
// lines, every function over 100 lines whose leading comment does not say why it is long
// ("Long because …"), and every import cycle (type imports included). Exits 1 when it lists anything,
// so CI keeps the tree readable for the next person. `--json` prints the findings for tools.
import { parse } from "@babel/parser";
import { Glob } from "bun";
import { dirname, join, relative, resolve } from "node:path";

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 100;
const ROOTS = ["src", "sim", "test", "bench", "scripts"];
const WHY_LONG = /long because/i;

export interface LongFunction { file: string; name: string; line: number; lines: number }
export interface Findings { longFiles: { file: string; lines: number }[]; longFunctions: LongFunction[]; cycles: string[][]; unparsable: { file: string; error: string }[] }

interface Node { type: string; loc?: { start: { line: number }; end: { line: number } }; leadingComments?: { value: string }[] | null; [k: string]: unknown }

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression", "ClassMethod", "ObjectMethod", "ClassPrivateMethod"]);

function parseFile(text: string, file: string): Node {
  const plugins: ("typescript" | "jsx")[] = file.endsWith(".tsx") ? ["typescript", "jsx"] : ["typescript"];
  return parse(text, { sourceType: "module", plugins, errorRecovery: true }).program as unknown as Node;
}

function nameOf(node: Node, parent: Node | undefined): string {
  const id = node.id as Node | null | undefined;
  if (id && typeof id.name === "string") return id.name;
  const key = node.key as Node | undefined;
  if (key && typeof key.name === "string") return key.name;
  if (parent?.type === "VariableDeclarator") return String((parent.id as Node).name ?? "(anonymous)");
  if (parent?.type === "ObjectProperty" || parent?.type === "ClassProperty") return String((parent.key as Node).name ?? "(anonymous)");
  return "(anonymous)";
}

function hasWhyComment(chain: Node[]): boolean {
  return chain.some((n) => (n.leadingComments ?? []).some((c) => WHY_LONG.test(c.value)));
}

/** Walks the tree; `chain` holds the node's ancestors up to the nearest statement, whose comments count too. */
function walk(node: Node, chain: Node[], visit: (node: Node, chain: Node[]) => void): void {
  visit(node, chain);
  for (const value of Object.values(node)) {
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) {
      if (!child || typeof child !== "object" || typeof (child as Node).type !== "string") continue;
      if ((child as Node).type.endsWith("Comment")) continue;
      walk(child as Node, [node, ...chain].slice(0, 4), visit);
    }
  }
}

export function longFunctions(text: string, file: string): LongFunction[] {
  const found: LongFunction[] = [];
  walk(parseFile(text, file), [], (node, chain) => {
    if (!FUNCTION_TYPES.has(node.type) || !node.loc) return;
    const lines = node.loc.end.line - node.loc.start.line + 1;
    if (lines <= MAX_FUNCTION_LINES || hasWhyComment([node, ...chain])) return;
    found.push({ file, name: nameOf(node, chain[0]), line: node.loc.start.line, lines });
  });
  return found;
}

export interface ModuleImport { specifier: string; typeOnly: boolean; dynamic: boolean }

function isTypeOnly(stmt: Node): boolean {
  if (stmt.importKind === "type" || stmt.exportKind === "type") return true;
  const specifiers = (stmt.specifiers as Node[] | undefined) ?? [];
  return stmt.type === "ImportDeclaration" && specifiers.length > 0 && specifiers.every((s) => s.importKind === "type");
}

/**
 * Every module a file names: static imports, re-exports and side-effect imports, and dynamic
 * `import("…")` with a literal specifier. Parsed, so comments and strings never count.
 * Also what test/docs/imports.test.ts checks the layering and the dependencies with.
 */
export function moduleImports(text: string, file: string): ModuleImport[] {
  const out: ModuleImport[] = [];
  const program = parseFile(text, file);
  for (const stmt of program.body as Node[]) {
    const source = stmt.source as Node | undefined;
    if (source && typeof source.value === "string") out.push({ specifier: source.value, typeOnly: isTypeOnly(stmt), dynamic: false });
  }
  walk(program, [], (node) => {
    // Babel 8 parses `import("…")` as an ImportExpression; older shapes as a call of Import.
    const arg = node.type === "ImportExpression" ? (node.source as Node | undefined)
      : node.type === "CallExpression" && (node.callee as Node).type === "Import" ? (node.arguments as Node[])[0] : undefined;
    if (arg?.type === "StringLiteral" && typeof arg.value === "string") out.push({ specifier: arg.value, typeOnly: false, dynamic: true });
  });
  return out;
}

/**
 * Relative imports of every kind, type-only and dynamic ones included: neither kind can break
 * loading, but either still means neither module can be read or moved without the other.
 */
export function relativeImports(text: string, file: string): string[] {
  return moduleImports(text, file)
    .filter((i) => i.specifier.startsWith("."))
    .map((i) => resolve(dirname(file), i.specifier));
}

/** Source files under `dirs` of `root`, repo-relative and sorted (node_modules left out). */
export async function sourceFiles(root: string, dirs: readonly string[] = ROOTS): Promise<string[]> {
  const files: string[] = [];
  for (const dir of dirs) {
    for await (const f of new Glob(`${dir}/**/*.{ts,tsx}`).scan({ cwd: root })) if (!f.includes("node_modules")) files.push(f);
  }
  return files.sort();
}

function resolveModule(path: string, known: Set<string>): string | undefined {
  for (const candidate of [path, path.replace(/\.js$/, ".ts"), `${path}.ts`, `${path}.tsx`, join(path, "index.ts")]) {
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

/** Strongly connected components of more than one module (Tarjan). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) { connect(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) !== indices.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) { onStack.delete(w); component.push(w); if (w === v) break; }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!indices.has(v)) connect(v);
  return cycles;
}

export async function scan(root: string): Promise<Findings> {
  const files = await sourceFiles(root);
  const findings: Findings = { longFiles: [], longFunctions: [], cycles: [], unparsable: [] };
  const known = new Set(files.map((f) => resolve(root, f)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const abs = resolve(root, file);
    const text = await Bun.file(abs).text();
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_FILE_LINES) findings.longFiles.push({ file, lines });
    try {
      findings.longFunctions.push(...longFunctions(text, file));
      graph.set(abs, relativeImports(text, abs).map((p) => resolveModule(p, known)).filter((p): p is string => p !== undefined));
    } catch (error) {
      // A file that does not parse (say, left with merge markers) is a finding, not a crash.
      findings.unparsable.push({ file, error: error instanceof Error ? error.message : String(error) });
    }
  }
  findings.cycles = importCycles(graph).map((c) => c.map((p) => relative(root, p)));
  return findings;
}

async function main(): Promise<void> {
  const root = resolve(import.meta.dir, "..");
  const findings = await scan(root);
  if (process.argv.includes("--json")) { console.log(JSON.stringify(findings, null, 2)); }
  else {
    for (const f of findings.longFiles) console.log(`file over ${MAX_FILE_LINES} lines: ${f.file} (${f.lines})`);
    for (const f of findings.longFunctions) console.log(`function over ${MAX_FUNCTION_LINES} lines without a "Long because" comment: ${f.file}:${f.line} ${f.name} (${f.lines})`);
    for (const c of findings.cycles) console.log(`import cycle: ${c.join(" -> ")}`);
    for (const u of findings.unparsable) console.log(`cannot parse: ${u.file}: ${u.error}`);
  }
  const count = findings.longFiles.length + findings.longFunctions.length + findings.cycles.length + findings.unparsable.length;
  console.log(count === 0 ? "code shape: clean" : `code shape: ${count} finding(s)`);
  process.exit(count === 0 ? 0 : 1);
}

if (import.meta.main) await main();
