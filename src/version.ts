// minidock's version: `minidock version`, `info` and the Engine API's /version.
export const VERSION = '0.1.0';
