/**
 * The one Handlebars instance templates are rendered with. Templates may come from
 * a fork someone else controls, so the instance is locked down:
 * - isolated (Handlebars.create()), with only the helpers below plus Handlebars'
 *   built-in block helpers (if, unless, each, with);
 * - noEscape: we write code and JSON, not HTML; values that land in code or JSON
 *   go through {{json}};
 * - strict: a misspelt variable is an error naming the file and line;
 * - no prototype access: Handlebars already refuses it, but renders
 *   {{constructor}} as empty text, so such names are refused before rendering.
 *
 * The built-in template's sources (its .hbs files and the features' fragments) are
 * precompiled at build time with the same checks and options (precompile below,
 * called by scripts/build.mjs); a source whose text matches one of them runs the
 * precompiled function, anything else (a fork's file) is compiled here.
 */
import { createHash } from "node:crypto";
import Handlebars from "handlebars";
import { UserError } from "../errors.js";
import { precompiledTemplates } from "./precompiled.js";

const helpers: Record<string, (...args: unknown[]) => unknown> = {
  json: (value) => {
    if (value === undefined) throw new Error("json: the value is undefined");
    return JSON.stringify(value);
  },
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  and: (...args) => args.slice(0, -1).every(Boolean),
  or: (...args) => args.slice(0, -1).some(Boolean),
  not: (value) => !value,
  includes: (list, value) => Array.isArray(list) && list.includes(value),
};

const handlebars = Handlebars.create();
handlebars.registerHelper(helpers);
// Handlebars' own lookup/log helpers are not part of the template language we offer.
handlebars.unregisterHelper("lookup");
handlebars.unregisterHelper("log");
handlebars.unregisterHelper("helperMissing");

const compileOptions: CompileOptions = {
  noEscape: true,
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: {
    ...Object.fromEntries(Object.keys(helpers).map((name) => [name, true])),
    // Handlebars counts these as known by default; we removed them.
    lookup: false,
    log: false,
  },
};

/** Property names that reach into JavaScript's object model rather than our data. */
const FORBIDDEN_NAME = /^(constructor|prototype|__.*)$/;

/** Renders one template file. `where` names it in errors, e.g. "src/config.ts.hbs". */
export function render(source: string, context: object, where: string): string {
  try {
    const spec = precompiledTemplates[templateKey(source)];
    const template = spec ? handlebars.template(spec) : handlebars.compile(checkedAst(source), compileOptions);
    return template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (error) {
    throw new UserError(`template ${where}: ${describe(error)}`);
  }
}

/**
 * Build time: the JavaScript source of one template's precompiled specification,
 * made with the same checks and options as render. Errors name `where` and the line.
 */
export function precompile(source: string, where: string): string {
  try {
    return handlebars.precompile(checkedAst(source), compileOptions) as string;
  } catch (error) {
    throw new UserError(`template ${where}: ${describe(error)}`);
  }
}

/** What a precompiled template is found by: a digest of its exact source text. */
export function templateKey(source: string): string {
  return createHash("sha256").update(source).digest("base64url");
}

function checkedAst(source: string): hbs.AST.Program {
  const ast = Handlebars.parse(source);
  refuseObjectModelAccess(ast);
  return ast;
}

function refuseObjectModelAccess(ast: hbs.AST.Program): void {
  const visitor = new Handlebars.Visitor();
  const check = (name: string, loc: hbs.AST.SourceLocation) => {
    if (FORBIDDEN_NAME.test(name)) {
      throw new Error(`"${name}" is not allowed in a template - ${loc.start.line}:${loc.start.column}`);
    }
  };
  visitor.PathExpression = function (node) {
    for (const part of node.parts) check(part, node.loc);
  };
  visitor.StringLiteral = function (node) {
    check(node.value, node.loc);
  };
  visitor.accept(ast);
}

/** Handlebars' messages end in " - line:column"; parse errors say "on line N". */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const located = / - (\d+):(\d+)$/.exec(message);
  if (located) {
    const text = message
      .slice(0, located.index)
      .replace(" in [object Object]", "")
      .replace("You specified knownHelpersOnly, but used the unknown helper", "unknown helper");
    return `line ${located[1]}: ${text}`;
  }
  const parse = /^Parse error on line (\d+):/.exec(message);
  if (parse) return `line ${parse[1]}: syntax error (${message.split("\n").at(-1)})`;
  return message.split("\n")[0] ?? message;
}
