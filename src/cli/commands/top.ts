// `top CONTAINER [ps OPTIONS]`: printed as the Docker CLI prints it (tabwriter, columns ≥ 20 wide).
import { tabwrite } from '../tabwriter.js';
import { topContainer } from '../../engine/container/top.js';
import { writeOut } from '../output.js';

export function top(ref: string, psArgs: string[]): number {
  const r = topContainer(ref, psArgs);
  writeOut(tabwrite([r.Titles, ...r.Processes], 20, 3) + '\n');
  return 0;
}
