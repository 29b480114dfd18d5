/**
 * Handlebars' compiler, loaded only when a template source was not precompiled at
 * build time (render.ts's loadCompilerFor): a fork's files, or anything when running
 * from src/. It turns a source into the same precompiled specification the build
 * makes for the built-in template (precompile, called by precompile-builtin.ts), so
 * both run on render.ts's one instance with the same checks and options.
 */
import Handlebars from "handlebars";
import { helpers, templateError } from "./render.js";

const compileOptions: CompileOptions = {
  noEscape: true,
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: {
    ...Object.fromEntries(Object.keys(helpers).map((name) => [name, true])),
    // Handlebars counts these as known by default; render.ts removed them.
    lookup: false,
    log: false,
  },
};

/** Property names that reach into JavaScript's object model rather than our data. */
const FORBIDDEN_NAME = /^(constructor|prototype|__.*)$/;

const compiledBySource = new Map<string, TemplateSpecification>();

/** Run time: one source's specification, ready for render.ts's instance. Errors name `where` and the line. */
export function compile(source: string, where: string): TemplateSpecification {
  let spec = compiledBySource.get(source);
  if (spec === undefined) {
    // The JavaScript precompile writes is an object literal of Handlebars' own functions.
    spec = new Function(`return ${precompile(source, where)}`)() as TemplateSpecification;
    compiledBySource.set(source, spec);
  }
  return spec;
}

/**
 * The JavaScript source of one template's precompiled specification, made with the
 * checks and options above (build time for the built-in template). Errors name
 * `where` and the line.
 */
export function precompile(source: string, where: string): string {
  try {
    return Handlebars.precompile(checkedAst(source), compileOptions) as string;
  } catch (error) {
    throw templateError(where, error);
  }
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
