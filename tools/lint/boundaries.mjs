// The project's import boundaries as one ESLint rule: each folder names the folders it may import
// from, so dependencies point one way (example app -> tools -> Lambda code -> contract and schedule
// engine; constructs -> contract and schedule engine). A relative import is resolved to its
// project path and checked; package imports are left to `no-restricted-imports`.
import { dirname, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Who may import what, first match wins. `from` and `allow` are path prefixes relative to the
 * project root (folders end with '/').
 */
export const BOUNDARIES = [
  { from: 'lib/schedule/', allow: ['lib/schedule/', 'lib/contract/errors'], why: 'the schedule engine is pure and self-contained (its errors share the platform\'s base class)' },
  { from: 'lib/contract/', allow: ['lib/contract/'], why: 'the contract is shared by both sides and depends on nothing' },
  { from: 'lib/', allow: ['lib/'], why: 'the construct library never imports Lambda code, tools or the example app' },
  {
    from: 'lambdas/jobs/',
    allow: ['lambdas/', 'lib/contract/', 'lib/schedule/'],
    why: 'Lambda code never imports construct or tool code',
  },
  {
    from: 'lambdas/',
    allow: ['lambdas/runtime/', 'lambdas/watchdog/', 'lambdas/shared/', 'lib/contract/', 'lib/schedule/'],
    why: 'Lambda code never imports construct or tool code, and the platform never imports the example jobs',
  },
  { from: 'tools/', allow: ['tools/', 'lib/', 'lambdas/runtime/', 'lambdas/shared/'], why: 'tools never import the example app' },
];

function projectPath(file) {
  return relative(ROOT, file).split(sep).join('/');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps imports inside the folder boundaries of the project' },
    schema: [],
    messages: { outside: "{{from}} may not import '{{target}}': {{why}}." },
  },
  create(context) {
    const file = projectPath(context.filename);
    const boundary = BOUNDARIES.find((b) => file.startsWith(b.from));
    if (!boundary) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = projectPath(resolve(dirname(context.filename), source));
      const targetKey = target.includes('.') || target.endsWith('/') ? target : `${target}/`;
      if (boundary.allow.some((prefix) => targetKey.startsWith(prefix) || `${target}.ts`.startsWith(prefix))) return;
      context.report({ node, messageId: 'outside', data: { from: boundary.from, target, why: boundary.why } });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export default { rules: { imports: rule } };
