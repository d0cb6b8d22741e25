// --pid container:NAME (join another container's PID namespace, as Docker) and
// --health-start-interval (Docker 25: the probe interval while starting, within the start
// period), against real containers (issue 13).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock, sleep } from '../helpers/cli.js';

describe('--pid container:NAME', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => md.cleanup());

  it("joins the donor's PID namespace: each sees the other's processes; inspect shows the mode", () => {
    md.ok(['run', '-d', '--name', 'pid-donor', '--network', 'none', 'busybox', 'sleep', '300']);
    const ps = md.ok(['run', '--rm', '--network', 'none', '--pid', 'container:pid-donor', 'busybox', 'ps', '-o', 'pid,args']);
    expect(ps).toMatch(/^\s*1 sleep 300$/m); // the donor's PID 1, not ours
    expect(ps).not.toMatch(/^\s*1 ps/m);
    md.ok(['run', '-d', '--name', 'pid-joiner', '--network', 'none', '--pid', 'container:pid-donor', 'busybox', 'sleep', '301']);
    expect(md.ok(['exec', 'pid-donor', 'ps', '-o', 'args'])).toContain('sleep 301');
    expect(md.ok(['inspect', '-f', '{{.HostConfig.PidMode}}', 'pid-joiner'])).toBe('container:pid-donor');
    // top and stop still act on the joiner's own process
    expect(md.ok(['top', 'pid-joiner'])).toContain('sleep 301');
    expect(md.ok(['top', 'pid-joiner'])).not.toContain('sleep 300');
    md.ok(['stop', '-t', '1', 'pid-joiner']);
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'pid-donor'])).toBe('running');
    md.ok(['rm', '-f', 'pid-joiner', 'pid-donor']);
  });

  it("Docker's refusals: a missing or stopped donor (at start), an empty name; nothing is left", () => {
    const missing = md.run(['run', '--rm', '--network', 'none', '--pid', 'container:pid-nosuch', 'busybox', 'true']);
    expect([missing.code, missing.stderr]).toEqual([125, "minidock: Error response from daemon: No such container: pid-nosuch\n\nRun 'minidock run --help' for more information\n"]);
    const id = md.ok(['create', '--name', 'pid-stopped', 'busybox', 'true']);
    const stopped = md.run(['run', '--rm', '--network', 'none', '--pid', 'container:pid-stopped', 'busybox', 'true']);
    expect([stopped.code, stopped.stderr]).toEqual([125, `minidock: Error response from daemon: container ${id} is not running\n`]);
    const bad = md.run(['run', '--rm', '--pid', 'container:', 'busybox', 'true']);
    expect([bad.code, bad.stderr]).toEqual([125, "minidock: --pid: invalid PID mode\n\nRun 'minidock run --help' for more information\n"]);
    expect(md.ok(['ps', '-aq'])).toBe(id.slice(0, 12));
  });
});

describe('--health-start-interval', () => {
  let md: Minidock;
  beforeAll(() => {
    md = new Minidock();
  });
  afterAll(() => md.cleanup());

  const probes = (name: string) => (JSON.parse(md.ok(['inspect', '-f', '{{json .State.Health}}', name])).Log as unknown[]).length;

  it('probes at the start interval while starting within the start period, then at the interval', async () => {
    // interval 1h: every probe seen within the test came from the start interval
    md.ok(['run', '-d', '--name', 'hsi', '--network', 'none', '--health-cmd', 'false', '--health-interval', '1h', '--health-retries', '100',
      '--health-start-period', '2500ms', '--health-start-interval', '200ms', 'busybox', 'sleep', '60']);
    expect(md.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'hsi'])).toBe(
      '{"Test":["CMD-SHELL","false"],"Interval":3600000000000,"StartPeriod":2500000000,"StartInterval":200000000,"Retries":100}');
    await sleep(2000);
    expect(probes('hsi')).toBeGreaterThanOrEqual(3);
    await sleep(2000); // past the start period: the next probe is an hour away
    const after = probes('hsi');
    await sleep(1500);
    expect(probes('hsi')).toBe(after);
    // without the flag: the interval from the start (Docker before 25), and no StartInterval key
    md.ok(['run', '-d', '--name', 'hsi-none', '--network', 'none', '--health-cmd', 'false', '--health-interval', '1h', '--health-start-period', '2s', 'busybox', 'sleep', '60']);
    await sleep(1500);
    expect(probes('hsi-none')).toBe(0);
    expect(md.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'hsi-none'])).not.toContain('StartInterval');
  });

  it("Docker's refusals: negative, under 1ms, a bad duration", () => {
    expect(md.run(['run', '--rm', '--health-cmd', 'true', '--health-start-interval', '-1s', 'busybox', 'true'])).toMatchObject({ code: 125, stderr: "minidock: --health-start-interval cannot be negative\n\nRun 'minidock run --help' for more information\n" });
    expect(md.run(['run', '--rm', '--health-cmd', 'true', '--health-start-interval', '10us', 'busybox', 'true'])).toMatchObject({ code: 125, stderr: 'minidock: Error response from daemon: StartInterval in Healthcheck cannot be less than 1ms\n' });
    expect(md.run(['run', '--rm', '--health-start-interval', 'soon', 'busybox', 'true'])).toMatchObject({ code: 125, stderr: `invalid argument "soon" for "--health-start-interval" flag: time: invalid duration "soon"\n\nUsage:  minidock run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'minidock run --help' for more information\n` });
  });
});
