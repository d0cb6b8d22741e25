// The executor of Go's text/template (src/text/template/exec.go) over the values value.ts
// describes: the same walk, the same truth, pipelines, variables, field chains, method calls,
// argument checks and error texts ("template: :1:2: executing "" at <.X>: …").
import { FUNCS, FuncError, Func, Param, RV, isTrue } from './funcs.js';
import { noFlags, printArg, sprint } from './fmt.js';
import { Arg, Command, Node, Pipe, TemplateError, Tree, nodeString } from './parse.js';
import { GO_MAP, GO_PORT_KEYS } from './docker-types.js';
import { GoFloat, GoStruct, isStringMap, isStringSlice, kindOf, sortedKeys, typeName } from './value.js';

export type MissingKey = 'default' | 'zero' | 'error';

export interface ExecOptions {
  missingKey: MissingKey;
  /** Docker's typed pass (docker-types.ts): only objects marked GO_MAP are maps, others structs. */
  typed?: boolean;
  funcs: Record<string, Func>;
}

const MISSING: RV = { v: Symbol('missing') };
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_DEPTH = 100000;

class State {
  node: Node | undefined;
  vars: { name: string; value: RV }[];
  out: string[] = [];
  constructor(
    readonly tree: Tree,
    readonly trees: Map<string, Tree>,
    readonly opt: ExecOptions,
    root: RV,
    readonly depth = 0,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  errorf(msg: string): never {
    const name = this.tree.name;
    if (!this.node) throw new TemplateError(`template: ${name}: ${msg}`);
    const pos = this.node.pos;
    const text = this.tree.text.slice(0, pos);
    const nl = text.lastIndexOf('\n');
    const col = Buffer.byteLength(nl < 0 ? text : text.slice(nl + 1));
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    // the position names the template the text was parsed as, as Go's ErrorContext does
    throw new TemplateError(`template: ${this.tree.parseName}:${line}:${col}: executing ${JSON.stringify(name)} at <${nodeString(this.node)}>: ${msg}`);
  }
  at(n: Node): void {
    this.node = n;
  }

  mark(): number {
    return this.vars.length;
  }
  pop(m: number): void {
    this.vars.length = m;
  }
  setVar(name: string, v: RV): void {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i].name === name) {
        this.vars[i].value = v;
        return;
      }
    this.errorf(`undefined variable: ${name}`);
  }
  setTopVar(n: number, v: RV): void {
    this.vars[this.vars.length - n].value = v;
  }
  varValue(name: string): RV {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: RV, node: Node): void {
    this.at(node);
    switch (node.k) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node.k, dot, node.pipe, node.list, node.elseList);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node as Node & { k: 'range' });
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out.push(node.text);
        return;
    }
    this.errorf(`unknown node: ${nodeString(node)}`);
  }

  walkIfOrWith(k: 'if' | 'with', dot: RV, pipe: Pipe, list: Node, elseList?: Node): void {
    const m = this.mark();
    try {
      const val = this.evalPipeline(dot, pipe);
      const truth = isTrue(val.v);
      if (truth) this.walk(k === 'with' ? val : dot, list);
      else if (elseList) this.walk(dot, elseList);
    } finally {
      this.pop(m);
    }
  }

  walkRange(dot: RV, r: Node & { k: 'range' }): void {
    this.at(r);
    const m0 = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const one = (index: RV, elem: RV): void => {
        if (r.pipe.decl.length > 0) this.setTopVar(1, elem);
        if (r.pipe.decl.length > 1) this.setTopVar(2, index);
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      const v = val.v;
      switch (kindOf(v)) {
        case 'slice': {
          const a = v as unknown[];
          if (a.length === 0) break;
          const iface = !isStringSlice(a);
          for (let i = 0; i < a.length; i++) one({ v: i }, { v: a[i], iface });
          return;
        }
        case 'map': {
          const o = v as Record<string, unknown>;
          // on Docker's typed struct (the first pass) a struct member cannot be ranged over: the
          // raw JSON's map answers, with its own keys (not the typed view's nil members)
          if (this.opt.typed && !(GO_MAP in o) && !(GO_PORT_KEYS in o)) this.errorf(`range can't iterate over ${printArg(v, 'v', noFlags(), 0)}`);
          const keys = sortedKeys(o);
          if (keys.length === 0) break;
          const iface = !isStringMap(o);
          for (const key of keys) one({ v: key }, { v: o[key], iface });
          return;
        }
        case 'invalid':
          break;
        default:
          this.errorf(`range can't iterate over ${printArg(v, 'v', noFlags(), 0)}`);
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.pop(m0);
    }
  }

  walkTemplate(dot: RV, t: Node & { k: 'template' }): void {
    this.at(t);
    const tree = this.trees.get(t.name);
    if (!tree) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth === MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const d = t.pipe ? this.evalPipeline(dot, t.pipe) : { v: undefined };
    const s = new State(tree, this.trees, this.opt, d, this.depth + 1);
    s.out = this.out;
    try {
      s.walk(d, tree.root);
    } catch (e) {
      // JavaScript's stack ends long before Go's 100000 levels: Go's error, from the call that
      // ran out of stack, rather than a crash
      if (e instanceof RangeError && e.message.includes('call stack')) {
        this.at(t);
        this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
      }
      throw e;
    }
  }

  evalPipeline(dot: RV, pipe: Pipe | undefined): RV {
    if (!pipe) return { v: undefined };
    this.at(pipe);
    let value = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // An interface{} value: use the thing inside (a nil one becomes no value at all).
      if (value.iface) value = { v: value.v === null ? undefined : value.v };
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.vars.push({ name: v.ident[0], value });
    }
    return value;
  }

  notAFunction(args: Arg[], final: RV): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  evalCommand(dot: RV, cmd: Command, final: RV): RV {
    const first = cmd.args[0];
    switch (first.k) {
      case 'field':
        this.at(first);
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.k) {
      case 'bool':
        return { v: first.val };
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return { v: first.text };
    }
    return this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  idealConstant(c: Arg & { k: 'number' }): RV {
    this.at(c);
    // Go's isHexInt takes no sign: -0x1E is a float64 (its E is read as an exponent), 0x1E an int
    const hexInt = /^0[xX]/.test(c.text) && !/[pP]/.test(c.text);
    if (c.isFloat && !hexInt && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return { v: Number.isInteger(c.float) ? new GoFloat(c.float) : c.float };
    if (c.isInt) return { v: c.int };
    return { v: undefined };
  }

  evalChain(dot: RV, chain: Arg & { k: 'chain' }, args: Arg[], final: RV): RV {
    this.at(chain);
    if (chain.node.k === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'value', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  evalVariable(dot: RV, v: Arg & { k: 'variable' }, args: Arg[], final: RV): RV {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  evalFieldChain(dot: RV, receiver: RV, node: Node, ident: string[], args: Arg[] | undefined, final: RV): RV {
    let r = receiver;
    for (let i = 0; i < ident.length - 1; i++) r = this.evalField(dot, ident[i], node, undefined, MISSING, r);
    return this.evalField(dot, ident[ident.length - 1], node, args, final, r);
  }

  evalFunction(dot: RV, node: Arg & { k: 'identifier' }, cmd: Node, args: Arg[] | undefined, final: RV): RV {
    this.at(node);
    const f = this.opt.funcs[node.ident];
    if (!f) this.errorf(`${JSON.stringify(node.ident)} is not a defined function`);
    return this.evalCall(dot, f, true, cmd, node.ident, args, final);
  }

  evalField(dot: RV, name: string, node: Node, args: Arg[] | undefined, final: RV, receiver: RV): RV {
    const v = receiver.v;
    if (v === undefined) {
      if (this.opt.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(name)}`);
      return { v: undefined };
    }
    const typ = receiver.iface ? 'interface {}' : typeName(v);
    if (v === null) this.errorf(`nil pointer evaluating ${typ}.${name}`);
    const k = kindOf(v);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    if (k === 'struct') {
      const s = v as GoStruct;
      const f = s[name];
      if (typeof f === 'function') {
        const fn = f as (...a: unknown[]) => unknown;
        const method: Func = { params: Array<Param>(fn.length).fill('string'), fn: (...a) => fn.apply(s, a) };
        return this.evalCall(dot, method, false, node, name, args, final);
      }
      if (Object.hasOwn(s, name)) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return { v: f };
      }
      this.errorf(`can't evaluate field ${name} in type ${typeName(s)}`);
    }
    if (k === 'map') {
      const m = v as Record<string, unknown>;
      // a map type with methods (Docker's SubHeaderContext.Label): methods come first, as in Go
      const f = m[name];
      if (typeof f === 'function' && Object.hasOwn(m, name)) {
        const fn = f as (...a: unknown[]) => unknown;
        const method: Func = { params: Array<Param>(fn.length).fill('string'), fn: (...a) => fn(...a) };
        return this.evalCall(dot, method, false, node, name, args, final);
      }
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      const str = isStringMap(m);
      // a field of a typed struct (not a Go map) is a concrete type: a nil one prints <nil>
      if (Object.hasOwn(m, name)) return { v: m[name], iface: !str && !(this.opt.typed && !(GO_MAP in m)) };
      if (this.opt.typed && !(GO_MAP in m)) this.errorf(`can't evaluate field ${name} in type struct`);
      switch (this.opt.missingKey) {
        case 'error':
          this.errorf(`map has no entry for key ${JSON.stringify(name)}`);
        // falls through (never reached)
        case 'zero':
          return { v: str ? '' : null, iface: !str };
        default:
          return { v: undefined };
      }
    }
    return this.errorf(`can't evaluate field ${name} in type ${typ}`);
  }

  evalCall(dot: RV, f: Func, builtin: boolean, node: Node, name: string, argNodes: Arg[] | undefined, final: RV): RV {
    const args = argNodes ? argNodes.slice(1) : [];
    let numIn = args.length;
    if (final !== MISSING) numIn++;
    let numFixed = args.length;
    if (f.variadic) {
      numFixed = f.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${f.params.length} got ${args.length}`);
    } else if (numIn !== f.params.length) this.errorf(`wrong number of args for ${name}: want ${f.params.length} got ${numIn}`);

    if (builtin && (name === 'and' || name === 'or')) {
      let v: RV = { v: undefined };
      for (const a of args) {
        v = this.evalArg(dot, 'value', a);
        if (!!isTrue(v.v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: RV[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, f.params[i], args[i]));
    if (f.variadic) for (; i < args.length; i++) argv.push(this.evalArg(dot, f.variadic, args[i]));
    if (final !== MISSING) {
      const t = f.variadic && numIn - 1 >= numFixed ? f.variadic : f.params[numIn - 1];
      argv.push(this.validateType(final, t));
    }
    let out: unknown;
    try {
      out = f.fn(...argv.map((a, j) => ((j < f.params.length ? f.params[j] : f.variadic) === 'value' ? a : a.v)));
    } catch (e) {
      if (e instanceof FuncError) {
        this.at(node);
        this.errorf(`error calling ${name}: ${e.message}`);
      }
      throw e;
    }
    return f.rv ? (out as RV) : { v: out };
  }

  validateType(value: RV, typ: Param): RV {
    const v = value.v;
    if (typ === 'value') return value;
    if (v === undefined) {
      if (typ === 'any') return { v: null };
      if (typ === '[]string') return { v: null };
      return this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === 'any') return value;
    const got = value.iface ? (v === null ? 'interface {}' : typeName(v)) : typeName(v);
    if (got === typ || (typ === '[]string' && v === null && !value.iface)) return { v };
    return this.errorf(`wrong type for value; expected ${typ}; got ${got}`);
  }

  evalArg(dot: RV, typ: Param, n: Arg): RV {
    this.at(n);
    switch (n.k) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === 'value' || typ === 'any' || typ === '[]string') return { v: typ === 'value' ? undefined : null };
        return this.errorf(`cannot assign nil to ${typ}`);
      case 'field':
        this.at(n);
        return this.validateType(this.evalFieldChain(dot, dot, n, n.ident, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariable(dot, n, [], MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChain(dot, n, [], MISSING), typ);
    }
    switch (typ) {
      case 'string':
        if (n.k === 'string') return { v: n.text };
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.k === 'number' && n.isInt) return { v: n.int };
        return this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'any':
      case 'value':
        switch (n.k) {
          case 'bool':
            return { v: n.val };
          case 'number':
            return this.idealConstant(n);
          case 'string':
            return { v: n.text };
        }
    }
    return this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ}`);
  }

  printValue(n: Node, val: RV): void {
    this.at(n);
    // (evalPipeline has taken any value out of its interface{}: a nil one is undefined now)
    const v = val.v;
    if (v === undefined) {
      this.out.push('<no value>');
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type ${typeName(v)}`);
    this.out.push(sprint([v]));
  }
}

/** Runs the tree named `name` on `data`; throws TemplateError with Go's message. */
export function execute(trees: Map<string, Tree>, name: string, data: unknown, opt: ExecOptions, out: string[] = []): string {
  const tree = trees.get(name);
  if (!tree) throw new TemplateError(`template: no template ${JSON.stringify(name)} associated with template ${JSON.stringify(name)}`);
  const root: RV = { v: data === null ? undefined : data };
  const s = new State(tree, trees, opt, root);
  s.out = out;
  s.walk(root, tree.root);
  return s.out.join('');
}

export { FUNCS };
