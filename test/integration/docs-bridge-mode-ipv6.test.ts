// docs/bridge-mode-ipv6.md (the IPv6 twin of the seeds' bridge walkthrough) cannot rot: every
// ```sh block in it is run, in order, in a throwaway host netns, and the ```text block after it
// is checked loosely, exactly as docs-bridge-mode.test.ts does for docs/bridge-mode.md
// (test/helpers/docpage.ts). The page's busybox httpd in md6lab-c1 is ended with its netns.
import { docPageSuite } from '../helpers/docpage.js';

docPageSuite('docs/bridge-mode-ipv6.md', ['md6lab-c1', 'md6lab-c2', 'md6lab-out']);
