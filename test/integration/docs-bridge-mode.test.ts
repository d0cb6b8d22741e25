// docs/bridge-mode.md cannot rot: every ```sh block in it is run, in order, in a throwaway host
// netns (bash -e, with a `minidock` on PATH and LAB/MINIDOCK_ROOT set, as the page tells the
// reader to do), and the ```text block after it is checked loosely: each of its lines must
// appear in the output, in order, `…` matching anything. ```console blocks are shown only (the
// test does their equivalent itself). The suite is test/helpers/docpage.ts.
import { docPageSuite } from '../helpers/docpage.js';

docPageSuite('docs/bridge-mode.md', ['mdlab-c1', 'mdlab-c2', 'mdlab-out']);
