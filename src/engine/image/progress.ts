// Pull progress, as Docker shows it.
//
// On a terminal: one line per layer ('a1b2c3d4e5f6: Downloading [=====>    ]  1.2MB/3.4MB')
// and a total line, redrawn in place with ANSI cursor moves (at most every 100 ms).
// Otherwise quiet: only Docker's plain lines ('latest: Pulling from library/busybox',
// 'Digest: sha256:…', 'Status: Downloaded newer image for busybox:latest').

export type LayerStatus =
  | 'Pulling fs layer'
  | 'Waiting'
  | 'Downloading'
  | 'Verifying Checksum'
  | 'Download complete'
  | 'Extracting'
  | 'Pull complete'
  | 'Already exists'
  | 'Failed';

interface LayerLine {
  id: string;
  status: LayerStatus;
  current: number;
  total: number;
}

export interface Output {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

import { humanSize } from '../../units.js';

/** Docker's units.HumanSize (4 significant digits): 1.201MB, 345kB. */
export const humanBytes = (n: number): string => humanSize(n, 4);

const BAR = 50;

function bar(current: number, total: number): string {
  if (total <= 0) return '';
  const done = Math.min(BAR, Math.floor((current / total) * BAR));
  return `[${'='.repeat(Math.max(0, done - 1))}${done > 0 ? '>' : ''}${' '.repeat(BAR - done)}]`;
}

/** One step of a pull as Docker's JSON progress stream reports it (the Engine API's /images/create). */
export interface ProgressEvent {
  id?: string;
  status: string;
  current?: number;
  total?: number;
}

export class PullProgress {
  private readonly layers = new Map<string, LayerLine>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private closed = false;
  readonly tty: boolean;

  /** quiet: not a word (pull -q). */
  constructor(
    private readonly out: Output,
    private readonly quiet = false,
    private readonly events?: (e: ProgressEvent) => void,
  ) {
    this.tty = !quiet && !!out.isTTY;
  }

  /** A plain line (the header, Digest:, Status:), printed in every mode but quiet. */
  line(text: string): void {
    this.events?.({ status: text });
    if (this.quiet) return;
    if (this.tty && this.drawn) {
      this.render();
    }
    this.out.write(text + '\n');
    this.drawn = 0;
    // Layers already shown stay above; a new block starts below this line.
    if (this.tty) this.layers.clear();
  }

  /** Registers layers in manifest order (short ids: 12 hex digits of the blob digest). */
  begin(ids: { id: string; total: number }[]): void {
    for (const l of ids) {
      if (this.layers.has(l.id)) continue;
      this.layers.set(l.id, { id: l.id, status: 'Pulling fs layer', current: 0, total: l.total });
      this.events?.({ id: l.id, status: 'Pulling fs layer' });
    }
    this.schedule(true);
  }

  update(id: string, status: LayerStatus, current?: number, total?: number): void {
    const l = this.layers.get(id) ?? { id, status, current: 0, total: 0 };
    l.status = status;
    if (current !== undefined) l.current = current;
    if (total !== undefined && total > 0) l.total = total;
    this.layers.set(id, l);
    this.events?.({ id, status, current: l.current, total: l.total });
    this.schedule(status !== 'Downloading');
  }

  private schedule(now: boolean): void {
    if (!this.tty || this.closed) return;
    this.dirty = true;
    if (now) {
      this.render();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.render();
    }, 100);
  }

  /** The lines the block shows now (exported for tests through render()). */
  lines(): string[] {
    const out: string[] = [];
    let cur = 0;
    let tot = 0;
    let complete = 0;
    for (const l of this.layers.values()) {
      let text = `${l.id}: ${l.status}`;
      if (l.status === 'Downloading' || l.status === 'Extracting') {
        text += ` ${bar(l.current, l.total)} ${humanBytes(l.current).padStart(7)}/${humanBytes(l.total)}`;
      }
      out.push(text);
      tot += l.total;
      cur += l.status === 'Downloading' ? l.current : ['Pull complete', 'Already exists', 'Download complete', 'Extracting', 'Verifying Checksum'].includes(l.status) ? l.total : 0;
      if (l.status === 'Pull complete' || l.status === 'Already exists') complete++;
    }
    if (this.layers.size) out.push(`Total: ${complete}/${this.layers.size} layers ${bar(cur, tot)} ${humanBytes(cur)}/${humanBytes(tot)}`);
    return out;
  }

  render(): void {
    if (!this.tty) return;
    this.dirty = false;
    const cols = this.out.columns !== undefined && this.out.columns >= 20 ? this.out.columns : 80;
    const lines = this.lines();
    let s = this.drawn ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) s += `\x1b[2K\r${l.length >= cols ? l.slice(0, cols - 1) : l}\n`;
    this.out.write(s);
    this.drawn = lines.length;
  }

  /** Final frame; stops the timer. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.tty && this.dirty) this.render();
    this.closed = true;
  }
}
