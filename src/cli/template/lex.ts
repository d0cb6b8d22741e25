// The lexer of Go's text/template (src/text/template/parse/lex.go), token for token, so that
// trim markers, comments, literals and the error texts are Go's. Positions are string indices;
// error locations convert them to Go's byte columns (see parse.ts).

export const enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword, // keywords follow
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Item {
  typ: T;
  pos: number;
  val: string;
  line: number;
}

const KEY: Record<string, T> = {
  '.': T.Dot,
  block: T.Block,
  break: T.Break,
  continue: T.Continue,
  define: T.Define,
  else: T.Else,
  end: T.End,
  if: T.If,
  range: T.Range,
  nil: T.Nil,
  template: T.Template,
  with: T.With,
};

/** How Go's parser names a token in "unexpected …" messages (item.String). */
export function itemString(i: Item): string {
  if (i.typ === T.EOF) return 'EOF';
  if (i.typ === T.Error) return i.val;
  if (i.typ > T.Keyword) return `<${i.val}>`;
  // Go: len(i.val) > 10 counts bytes; %.10q keeps 10 characters
  if (Buffer.byteLength(i.val) > 10) return goQuote([...i.val].slice(0, 10).join('')) + '...';
  return goQuote(i.val);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
// ASCII first: a Unicode property class costs a millisecond to compile, and templates are ASCII.
const isAlphaNumeric = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || (c > '\x7f' && /^[\p{L}\p{Nd}]$/u.test(c)));
const hasLeftTrimMarker = (s: string, i: number): boolean => s[i] === '-' && isSpace(s[i + 1]);
const hasRightTrimMarker = (s: string, i: number): boolean => isSpace(s[i]) && s[i + 1] === '-';
const SPACE_RUN = /[ \t\r\n]*$/;

/** strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export const isPrint = (c: string): boolean => /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c);

/** Go's %#U: U+0023 '#'. */
export function unicodeQ(c: string): string {
  const cp = c.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return isPrint(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

/** strconv.Quote: a character that is not printable (isPrint: no space but U+0020) is escaped. */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (cp >= 0x20 && cp < 0x7f) out += c;
    else if (cp >= 0x7f && !ascii && isPrint(c)) out += c;
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\v') out += '\\v';
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  const emit = (typ: T): void => {
    items.push({ typ, pos: start, val: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    line += count(input.slice(start, pos), '\n');
    start = pos;
    startLine = line;
  };
  const next = (): string | undefined => {
    if (pos >= input.length) {
      pos++; // so that backup() works at EOF as Go's width trick does
      return undefined;
    }
    const c = String.fromCodePoint(input.codePointAt(pos)!);
    pos += c.length;
    if (c === '\n') line++;
    return c;
  };
  const backupChar = (c: string | undefined): void => {
    pos -= c === undefined ? 1 : c.length;
    if (c === '\n') line--;
  };
  const peek = (): string | undefined => (pos < input.length ? String.fromCodePoint(input.codePointAt(pos)!) : undefined);
  const accept = (valid: string): boolean => {
    const c = peek();
    if (c !== undefined && valid.includes(c)) {
      pos += c.length;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid));
  };
  const error = (msg: string): void => {
    items.push({ typ: T.Error, pos: start, val: msg, line: startLine });
  };
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrimMarker(input, pos) && input.startsWith('}}', pos + 2)) return [true, true];
    if (input.startsWith('}}', pos)) return [true, false];
    return [false, false];
  };
  const atTerminator = (): boolean => {
    const c = peek();
    if (isSpace(c)) return true;
    if (c === undefined || '.,|:()'.includes(c)) return true;
    return input.startsWith('}}', pos);
  };
  const leftTrim = (): void => {
    const m = /^[ \t\r\n]*/.exec(input.slice(pos))!;
    pos += m[0].length;
  };

  type State = (() => State) | null;
  const lexText = (): State => {
    const x = input.indexOf('{{', pos);
    if (x >= 0) {
      pos = x;
      let trim = 0;
      if (hasLeftTrimMarker(input, pos + 2)) trim = SPACE_RUN.exec(input.slice(start, pos))![0].length;
      pos -= trim;
      if (pos > start) {
        line += count(input.slice(start, pos), '\n');
        emit(T.Text);
      }
      pos += trim;
      ignore();
      return lexLeftDelim;
    }
    pos = input.length;
    if (pos > start) {
      line += count(input.slice(start, pos), '\n');
      emit(T.Text);
    }
    emit(T.EOF);
    return null;
  };
  const lexLeftDelim = (): State => {
    pos += 2;
    const trimSpace = hasLeftTrimMarker(input, pos);
    const after = trimSpace ? 2 : 0;
    if (input.startsWith('/*', pos + after)) {
      pos += after;
      ignore();
      return lexComment;
    }
    emit(T.LeftDelim);
    pos += after;
    ignore();
    parenDepth = 0;
    return lexInsideAction;
  };
  const lexComment = (): State => {
    pos += 2;
    const i = input.indexOf('*/', pos);
    if (i < 0) return error('unclosed comment'), null;
    pos = i + 2;
    const [delim, trimSpace] = atRightDelim();
    if (!delim) return error('comment ends before closing delimiter'), null;
    if (trimSpace) pos += 2;
    pos += 2;
    if (trimSpace) leftTrim();
    ignore();
    return lexText;
  };
  const lexRightDelim = (): State => {
    const trimSpace = hasRightTrimMarker(input, pos);
    if (trimSpace) {
      pos += 2;
      ignore();
    }
    pos += 2;
    emit(T.RightDelim);
    if (trimSpace) {
      leftTrim();
      ignore();
    }
    return lexText;
  };
  const lexInsideAction = (): State => {
    const [delim] = atRightDelim();
    if (delim) {
      if (parenDepth === 0) return lexRightDelim;
      return error('unclosed left paren'), null;
    }
    const r = next();
    if (r === undefined) return error('unclosed action'), null;
    if (isSpace(r)) {
      backupChar(r);
      return lexSpace;
    }
    if (r === '=') emit(T.Assign);
    else if (r === ':') {
      if (next() !== '=') return error('expected :='), null;
      emit(T.Declare);
    } else if (r === '|') emit(T.Pipe);
    else if (r === '"') return lexQuote;
    else if (r === '`') return lexRawQuote;
    else if (r === '$') return lexVariable;
    else if (r === "'") return lexChar;
    else if (r === '.' && pos < input.length && !(input[pos] >= '0' && input[pos] <= '9')) return lexField;
    else if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      backupChar(r);
      return lexNumber;
    } else if (isAlphaNumeric(r)) {
      backupChar(r);
      return lexIdentifier;
    } else if (r === '(') {
      emit(T.LeftParen);
      parenDepth++;
    } else if (r === ')') {
      emit(T.RightParen);
      parenDepth--;
      if (parenDepth < 0) return error(`unexpected right paren ${unicodeQ(r)}`), null;
    } else if (r.codePointAt(0)! <= 0x7f && r.codePointAt(0)! >= 0x20 && r !== '\x7f') emit(T.Char);
    else return error(`unrecognized character in action: ${unicodeQ(r)}`), null;
    return lexInsideAction;
  };
  const lexSpace = (): State => {
    let n = 0;
    while (isSpace(peek())) {
      next();
      n++;
    }
    if (hasRightTrimMarker(input, pos - 1) && input.startsWith('}}', pos - 1 + 2)) {
      backupChar(input[pos - 1]);
      if (n === 1) return lexRightDelim;
    }
    emit(T.Space);
    return lexInsideAction;
  };
  const lexIdentifier = (): State => {
    for (;;) {
      const r = next();
      if (isAlphaNumeric(r)) continue;
      backupChar(r);
      const word = input.slice(start, pos);
      if (!atTerminator()) return error(`bad character ${unicodeQ(r ?? '')}`), null;
      const k = KEY[word];
      if (k !== undefined && k > T.Keyword) emit(k);
      else if (word === 'true' || word === 'false') emit(T.Bool);
      else emit(T.Identifier);
      return lexInsideAction;
    }
  };
  const lexFieldOrVariable = (typ: T): State => {
    if (atTerminator()) {
      emit(typ === T.Variable ? T.Variable : T.Dot);
      return lexInsideAction;
    }
    let r: string | undefined;
    for (;;) {
      r = next();
      if (!isAlphaNumeric(r)) {
        backupChar(r);
        break;
      }
    }
    if (!atTerminator()) return error(`bad character ${unicodeQ(r ?? '')}`), null;
    emit(typ);
    return lexInsideAction;
  };
  const lexField = (): State => lexFieldOrVariable(T.Field);
  // ($ alone is lexFieldOrVariable's terminator case)
  const lexVariable = (): State => lexFieldOrVariable(T.Variable);
  const lexQuoted = (q: string, typ: T, msg: string): State => {
    for (;;) {
      let c = next();
      if (c === '\\') {
        c = next();
        if (c !== undefined && c !== '\n') continue;
      }
      if (c === undefined || c === '\n') return error(msg), null;
      if (c === q) break;
    }
    emit(typ);
    return lexInsideAction;
  };
  const lexChar = (): State => lexQuoted("'", T.CharConstant, 'unterminated character constant');
  const lexQuote = (): State => lexQuoted('"', T.String, 'unterminated quoted string');
  const lexRawQuote = (): State => {
    for (;;) {
      const c = next();
      if (c === undefined) return error('unterminated raw quoted string'), null;
      if (c === '`') break;
    }
    emit(T.RawString);
    return lexInsideAction;
  };
  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };
  const lexNumber = (): State => {
    if (!scanNumber()) return error(`bad number syntax: ${goQuote(input.slice(start, pos))}`), null;
    const sign = peek();
    if (sign === '+' || sign === '-') {
      if (!scanNumber() || input[pos - 1] !== 'i') return error(`bad number syntax: ${goQuote(input.slice(start, pos))}`), null;
      emit(T.Complex);
    } else emit(T.Number);
    return lexInsideAction;
  };

  let state: State = lexText;
  while (state) state = state();
  return items;
}

function count(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++;
  return n;
}
