// `pause` / `unpause CONTAINER...`: each name printed as done, one error line each, exit 1 if any failed.
import { each } from './container.js';
import { pauseContainer, unpauseContainer } from '../../engine/container/pause.js';

export const pause = (refs: string[]): Promise<number> => each(refs, async (ref) => (await pauseContainer(ref), ref));
export const unpause = (refs: string[]): Promise<number> => each(refs, async (ref) => (await unpauseContainer(ref), ref));
