// The parser of Go's text/template (src/text/template/parse/parse.go, node.go): the same tree,
// the same checks at parse time (undefined functions and variables, {{else}} placement) and the
// same error texts, "template: NAME:LINE: …".
import { Item, T, itemString, lex, goQuote } from './lex.js';

export type Node =
  | { k: 'list'; pos: number; nodes: Node[] }
  | { k: 'text'; pos: number; text: string }
  | { k: 'action'; pos: number; line: number; pipe: Pipe }
  | { k: 'if' | 'range' | 'with'; pos: number; line: number; pipe: Pipe; list: Node & { k: 'list' }; elseList?: Node & { k: 'list' } }
  | { k: 'template'; pos: number; line: number; name: string; pipe?: Pipe }
  | { k: 'break' | 'continue'; pos: number; line: number }
  | { k: 'end' | 'else'; pos: number; line?: number }
  | Pipe
  | Command
  | Arg;

export interface Pipe {
  k: 'pipe';
  pos: number;
  line: number;
  isAssign: boolean;
  decl: (Arg & { k: 'variable' })[];
  cmds: Command[];
}
export interface Command {
  k: 'command';
  pos: number;
  args: Arg[];
}
export type Arg =
  | { k: 'field'; pos: number; ident: string[] }
  | { k: 'variable'; pos: number; ident: string[] }
  | { k: 'identifier'; pos: number; ident: string }
  | { k: 'chain'; pos: number; node: Arg; field: string[] }
  | { k: 'dot'; pos: number }
  | { k: 'nil'; pos: number }
  | { k: 'bool'; pos: number; val: boolean }
  | { k: 'string'; pos: number; quoted: string; text: string }
  | { k: 'number'; pos: number; text: string; isInt: boolean; isFloat: boolean; int: number; float: number }
  | Pipe;

export type ListNode = Node & { k: 'list' };

/** node.String() as Go writes it, used in error contexts (`at <.Nosuch>`). */
export function nodeString(n: Node): string {
  switch (n.k) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return goQuote(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with':
      return `{{${n.k} ${nodeString(n.pipe)}}}${nodeString(n.list)}${n.elseList ? `{{else}}${nodeString(n.elseList)}` : ''}{{end}}`;
    case 'template':
      return n.pipe ? `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${goQuote(n.name)}}}`;
    case 'break':
    case 'continue':
    case 'end':
    case 'else':
      return `{{${n.k}}}`;
    case 'pipe':
      return (n.decl.length ? n.decl.map(nodeString).join(', ') + ' := ' : '') + n.cmds.map(nodeString).join(' | ');
    case 'command':
      return n.args.map((a) => (a.k === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((i) => '.' + i).join('');
    case 'variable':
      return n.ident.join('.');
    case 'identifier':
      return n.ident;
    case 'chain':
      return (n.node.k === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.val);
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
  }
}

export class TemplateError extends Error {}

/** strconv.Unquote for "…", `…` and '…' (one character). */
export function unquote(s: string): string {
  const q = s[0];
  if (s.length < 2 || s[s.length - 1] !== q) throw new TemplateError('invalid syntax');
  if (q === '`') {
    if (s.slice(1, -1).includes('`')) throw new TemplateError('invalid syntax');
    return s.slice(1, -1).replace(/\r/g, '');
  }
  const body = s.slice(1, -1);
  let out = '';
  const bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i];
    if (c === q || (q === "'" && c === '\n')) throw new TemplateError('invalid syntax');
    if (c !== '\\') {
      flush();
      const ch = String.fromCodePoint(body.codePointAt(i)!);
      out += ch;
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    i += 2;
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e !== undefined && e in simple) {
      flush();
      out += simple[e];
    } else if (e === q) {
      flush();
      out += q;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) throw new TemplateError('invalid syntax');
      i += n;
      const v = parseInt(hex, 16);
      if (e === 'x' && q !== "'") bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new TemplateError('invalid syntax');
        flush();
        out += String.fromCodePoint(v);
      }
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new TemplateError('invalid syntax');
      i += 2;
      const v = parseInt(oct, 8);
      if (v > 255) throw new TemplateError('invalid syntax');
      if (q === "'") {
        flush();
        out += String.fromCodePoint(v);
      } else bytes.push(v);
    } else throw new TemplateError('invalid syntax');
  }
  flush();
  if (q === "'" && [...out].length !== 1) throw new TemplateError('invalid syntax');
  return out;
}

function parseGoInt(text: string): number | undefined {
  let t = text;
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let base = 10;
  if (/^0[xX]/.test(t)) (base = 16), (t = t.slice(2));
  else if (/^0[oO]/.test(t)) (base = 8), (t = t.slice(2));
  else if (/^0[bB]/.test(t)) (base = 2), (t = t.slice(2));
  else if (/^0[0-9_]/.test(t)) (base = 8), (t = t.slice(1));
  // Go allows "_" only between digits (and after a base prefix).
  if (t.includes('_')) {
    if (!/^_?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(t) || (t[0] === '_' && base === 10)) return undefined;
    t = t.replace(/_/g, '');
  }
  const digits = '0123456789abcdef'.slice(0, base);
  if (!t || ![...t.toLowerCase()].every((c) => digits.includes(c))) return undefined;
  const v = parseInt(t, base);
  if (v > 2 ** 63) return undefined;
  return neg ? -v : v;
}

function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?0[xX]/.test(text)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/.exec(text);
    if (!m) return undefined;
    const mant = parseInt((m[2] + (m[3] ?? '')).replace(/_/g, '') || '0', 16) / 16 ** (m[3] ?? '').replace(/_/g, '').length;
    const v = mant * 2 ** Number(m[4].replace(/_/g, ''));
    if (!Number.isFinite(v)) return undefined;
    return m[1] === '-' ? -v : v;
  }
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?$/.test(text)) return undefined;
  if (/_(?!\d)|(?<!\d)_/.test(text)) return undefined;
  // out of float64's range: strconv.ParseFloat's ErrRange, which parse reports as illegal syntax
  const f = Number(text.replace(/_/g, ''));
  return Number.isFinite(f) ? f : undefined;
}

function newNumber(pos: number, text: string, typ: T): Arg {
  if (typ === T.CharConstant) {
    // strconv.UnquoteChar of the first character, then the closing quote must follow
    // (an escape cut short, \x4, is UnquoteChar's syntax error, not a character too many)
    const m = /^'(\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|[^xuU0-7])|[^\\])/su.exec(text);
    if (!m || m[1] === "'" || m[1] === '\n') throw new TemplateError('invalid syntax');
    if (text.slice(m[0].length) !== "'") throw new TemplateError(`malformed character constant: ${text}`);
    const r = unquote(`'${m[1]}'`).codePointAt(0)!;
    return { k: 'number', pos, text, isInt: true, isFloat: true, int: r, float: r };
  }
  if (typ === T.Complex || text.endsWith('i')) throw new TemplateError(`complex constants are not supported: ${goQuote(text)}`);
  const i = parseGoInt(text);
  if (i !== undefined) return { k: 'number', pos, text, isInt: true, isFloat: true, int: i, float: i };
  const f = parseGoFloat(text);
  if (f !== undefined) {
    if (!/[.eEpP]/.test(text)) throw new TemplateError(`integer overflow: ${goQuote(text)}`);
    const isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
    return { k: 'number', pos, text, isInt, isFloat: true, int: isInt ? f : 0, float: f };
  }
  throw new TemplateError(`illegal number syntax: ${goQuote(text)}`);
}

export interface Tree {
  name: string;
  /** the name given to parse(): Go's ParseName, which error positions start with */
  parseName: string;
  root: ListNode;
  text: string;
}

/**
 * Parses `text` into its trees: the main one (named `name`) and those of {{define}}/{{block}}.
 * `hasFunc` answers Go's parse-time check that every function name exists.
 */
export function parse(name: string, text: string, hasFunc: (n: string) => boolean): Map<string, Tree> {
  const items = lex(text);
  const trees = new Map<string, Tree>();
  let i = 0; // next item to read
  let furthest = 0;
  let vars: string[] = ['$'];
  let actionLine = 0;
  let rangeDepth = 0;

  const errorf = (msg: string): never => {
    const line = (items[Math.min(furthest, items.length - 1)] ?? { line: 1 }).line;
    throw new TemplateError(`template: ${name}:${line}: ${msg}`);
  };
  const next = (): Item => {
    const it = items[i] ?? { typ: T.Error, pos: text.length, val: '', line: items[items.length - 1]?.line ?? 1 };
    furthest = Math.max(furthest, Math.min(i, items.length - 1));
    i++;
    return it;
  };
  const backup = (n = 1): void => {
    i -= n;
  };
  const peek = (): Item => {
    const it = next();
    backup();
    return it;
  };
  const nextNonSpace = (): Item => {
    let it: Item;
    do it = next();
    while (it.typ === T.Space);
    return it;
  };
  const peekNonSpace = (): Item => {
    const save = i;
    const it = nextNonSpace();
    // Go's peekNonSpace consumes the spaces before the token it puts back.
    i = save;
    while (items[i]?.typ === T.Space) i++;
    return it;
  };
  const unexpected = (token: Item, context: string): never => {
    if (token.typ === T.Error) {
      let extra = '';
      if (actionLine !== 0 && actionLine !== token.line) {
        extra = ` in action started at ${name}:${actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      return errorf(`${token.val}${extra}`);
    }
    return errorf(`unexpected ${itemString(token)} in ${context}`);
  };
  const expect = (typ: T, context: string): Item => {
    const t = nextNonSpace();
    if (t.typ !== typ) unexpected(t, context);
    return t;
  };
  const wrap = <R>(f: () => R): R => {
    try {
      return f();
    } catch (e) {
      if (e instanceof TemplateError && !e.message.startsWith('template: ')) errorf(e.message);
      throw e;
    }
  };

  const pipeline = (context: string, end: T): Pipe => {
    const token = peekNonSpace();
    const pipe: Pipe = { k: 'pipe', pos: token.pos, line: token.line, isAssign: false, decl: [], cmds: [] };
    // No label on this loop: StrykerJS's instrumentation puts a labelled loop inside an if/else,
    // after which `continue label` is a SyntaxError (the plain `continue` below means the same).
    for (;;) {
      const v = peekNonSpace();
      if (v.typ === T.Variable) {
        next();
        const nx = peekNonSpace();
        if (nx.typ === T.Assign || nx.typ === T.Declare) {
          pipe.isAssign = nx.typ === T.Assign;
          nextNonSpace();
          pipe.decl.push({ k: 'variable', pos: v.pos, ident: v.val.split('.') });
          vars.push(v.val);
        } else if (nx.typ === T.Char && nx.val === ',') {
          nextNonSpace();
          pipe.decl.push({ k: 'variable', pos: v.pos, ident: v.val.split('.') });
          vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const p = peekNonSpace().typ;
            if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue;
            errorf('range can only initialize variables');
          }
          errorf(`too many declarations in ${context}`);
        } else {
          // put back the variable, and the space after it if any (Go's backup2, backup3)
          i = items.indexOf(v);
        }
      }
      break;
    }
    for (;;) {
      const token = nextNonSpace();
      if (token.typ === end) {
        checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.typ) {
        case T.Bool:
        case T.CharConstant:
        case T.Complex:
        case T.Dot:
        case T.Field:
        case T.Identifier:
        case T.Number:
        case T.Nil:
        case T.RawString:
        case T.String:
        case T.Variable:
        case T.LeftParen:
          backup();
          pipe.cmds.push(command());
          break;
        default:
          unexpected(token, context);
      }
    }
  };
  const checkPipeline = (pipe: Pipe, context: string): void => {
    if (pipe.cmds.length === 0) errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, j) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0].k)) errorf(`non executable command in pipeline stage ${j + 2}`);
    });
  };
  const command = (): Command => {
    const cmd: Command = { k: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const token = next();
      if (token.typ === T.Space) continue;
      if (token.typ === T.RightDelim || token.typ === T.RightParen) backup();
      else if (token.typ !== T.Pipe) unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) errorf('empty command');
    return cmd;
  };
  const operand = (): Arg | undefined => {
    let node = term();
    if (!node) return undefined;
    if (peek().typ === T.Field) {
      const pos = peek().pos;
      const fields: string[] = [];
      while (peek().typ === T.Field) fields.push(next().val.slice(1));
      switch (node.k) {
        case 'field':
          node = { k: 'field', pos, ident: [...node.ident, ...fields] };
          break;
        case 'variable':
          node = { k: 'variable', pos, ident: [...node.ident, ...fields] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
          break;
        default:
          node = { k: 'chain', pos, node, field: fields };
      }
    }
    return node;
  };
  const term = (): Arg | undefined => {
    const token = nextNonSpace();
    switch (token.typ) {
      case T.Identifier:
        if (!hasFunc(token.val)) errorf(`function ${goQuote(token.val)} not defined`);
        return { k: 'identifier', pos: token.pos, ident: token.val };
      case T.Dot:
        return { k: 'dot', pos: token.pos };
      case T.Nil:
        return { k: 'nil', pos: token.pos };
      case T.Variable: {
        const ident = token.val.split('.');
        if (!vars.includes(ident[0])) errorf(`undefined variable ${goQuote(ident[0])}`);
        return { k: 'variable', pos: token.pos, ident };
      }
      case T.Field:
        return { k: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case T.Bool:
        return { k: 'bool', pos: token.pos, val: token.val === 'true' };
      case T.CharConstant:
      case T.Complex:
      case T.Number:
        return wrap(() => newNumber(token.pos, token.val, token.typ));
      case T.LeftParen:
        return pipeline('parenthesized pipeline', T.RightParen);
      case T.String:
      case T.RawString:
        return { k: 'string', pos: token.pos, quoted: token.val, text: wrap(() => unquote(token.val)) };
    }
    backup();
    return undefined;
  };
  const itemList = (): [ListNode, Node] => {
    const list: ListNode = { k: 'list', pos: peekNonSpace().pos, nodes: [] };
    while (peekNonSpace().typ !== T.EOF) {
      const n = textOrAction();
      if (n.k === 'end' || n.k === 'else') return [list, n];
      list.nodes.push(n);
    }
    return errorf('unexpected EOF');
  };
  const textOrAction = (): Node => {
    const token = nextNonSpace();
    switch (token.typ) {
      case T.Text:
        return { k: 'text', pos: token.pos, text: token.val };
      case T.LeftDelim: {
        actionLine = token.line;
        try {
          return action();
        } finally {
          actionLine = 0;
        }
      }
      default:
        return unexpected(token, 'input');
    }
  };
  const parseControl = (allowElseIf: boolean, context: string): { pos: number; line: number; pipe: Pipe; list: ListNode; elseList?: ListNode } => {
    const nvars = vars.length;
    try {
      const pipe = pipeline(context, T.RightDelim);
      if (context === 'range') rangeDepth++;
      let [list, nx] = itemList();
      if (context === 'range') rangeDepth--;
      let elseList: ListNode | undefined;
      if (nx.k === 'else') {
        if (allowElseIf && peek().typ === T.If) {
          next();
          elseList = { k: 'list', pos: nx.pos, nodes: [ifControl()] };
        } else {
          [elseList, nx] = itemList();
          if (nx.k !== 'end') errorf(`expected end; found ${nodeString(nx)}`);
        }
      }
      return { pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      vars = vars.slice(0, nvars);
    }
  };
  const ifControl = (): Node => ({ k: 'if', ...parseControl(true, 'if') });
  const templateName = (token: Item, context: string): string => {
    if (token.typ === T.String || token.typ === T.RawString) return wrap(() => unquote(token.val));
    return unexpected(token, context);
  };
  const action = (): Node => {
    const token = nextNonSpace();
    switch (token.typ) {
      case T.Block: {
        const context = 'block clause';
        const t = nextNonSpace();
        const bname = templateName(t, context);
        const pipe = pipeline(context, T.RightDelim);
        const saveVars = vars;
        vars = ['$'];
        const [root, end] = itemList();
        vars = saveVars;
        if (end.k !== 'end') errorf(`unexpected ${nodeString(end)} in ${context}`);
        addTree(bname, root);
        return { k: 'template', pos: t.pos, line: t.line, name: bname, pipe };
      }
      case T.Break:
      case T.Continue: {
        const what = token.typ === T.Break ? 'break' : 'continue';
        const t = nextNonSpace();
        if (t.typ !== T.RightDelim) unexpected(t, `{{${what}}}`);
        if (rangeDepth === 0) errorf(`{{${what}}} outside {{range}}`);
        return { k: what, pos: token.pos, line: token.line };
      }
      case T.Else: {
        const p = peekNonSpace();
        if (p.typ === T.If) return { k: 'else', pos: p.pos, line: p.line };
        const t = expect(T.RightDelim, 'else');
        return { k: 'else', pos: t.pos, line: t.line };
      }
      case T.End:
        return { k: 'end', pos: expect(T.RightDelim, 'end').pos };
      case T.If:
        return ifControl();
      case T.Range:
        return { k: 'range', ...parseControl(false, 'range') };
      case T.Template: {
        const context = 'template clause';
        const t = nextNonSpace();
        const tname = templateName(t, context);
        let pipe: Pipe | undefined;
        if (nextNonSpace().typ !== T.RightDelim) {
          backup();
          pipe = pipeline(context, T.RightDelim);
        }
        return { k: 'template', pos: t.pos, line: t.line, name: tname, pipe };
      }
      case T.With:
        return { k: 'with', ...parseControl(false, 'with') };
    }
    backup();
    const t = peek();
    return { k: 'action', pos: t.pos, line: t.line, pipe: pipeline('command', T.RightDelim) };
  };
  const addTree = (tname: string, root: ListNode): void => {
    const old = trees.get(tname);
    // Go: a redefinition replaces an empty tree; two non-empty ones are an error.
    if (old && !isEmptyTree(old.root) && !isEmptyTree(root)) errorf(`template: multiple definition of template ${goQuote(tname)}`);
    if (!old || isEmptyTree(old.root) || !isEmptyTree(root)) trees.set(tname, { name: tname, parseName: name, root, text });
  };

  const root: ListNode = { k: 'list', pos: peek().pos, nodes: [] };
  while (peek().typ !== T.EOF) {
    if (peek().typ === T.LeftDelim) {
      const delim = next();
      if (nextNonSpace().typ === T.Define) {
        const context = 'define clause';
        const t = nextNonSpace();
        if (t.typ !== T.String && t.typ !== T.RawString) unexpected(t, context);
        const dname = wrap(() => unquote(t.val));
        expect(T.RightDelim, context);
        const saveVars = vars;
        vars = ['$'];
        const [droot, end] = itemList();
        vars = saveVars;
        if (end.k !== 'end') errorf(`unexpected ${nodeString(end)} in ${context}`);
        addTree(dname, droot);
        continue;
      }
      i = items.indexOf(delim);
    }
    const n = textOrAction();
    if (n.k === 'end' || n.k === 'else') errorf(`unexpected ${nodeString(n)}`);
    root.nodes.push(n);
  }
  addTree(name, root);
  return trees;
}

function isEmptyTree(n: Node): boolean {
  if (n.k === 'list') return n.nodes.every(isEmptyTree);
  if (n.k === 'text') return n.text.trim() === '';
  return false;
}
