// The differential corpus (issue 13): everyday commands, run in this order against one fresh
// state, compared after masking (docker-corpus.test.ts) with what Docker printed for them
// (docker-corpus.recorded.json, recorded by scripts/record-docker-corpus.sh). `differs`: the
// fields minidock leaves different on purpose, and why; the other fields must be equal.

export type Field = 'code' | 'stdout' | 'stderr';

export interface CorpusCase {
  name: string;
  /** Run first, not compared (their output is not recorded). */
  before?: string[][];
  cmd: string[];
  /** Input on stdin. */
  input?: string;
  differs?: { fields: Field[]; why: string };
}

const FMT_PS = '{{.Names}}|{{.Image}}|{{.Command}}|{{.Status}}|{{.Ports}}';

export const CASES: CorpusCase[] = [
  // --- create, ps, inspect, start, logs, wait
  { name: 'create', cmd: ['create', '--name', 'dc-a', 'busybox', 'echo', 'hi'] },
  { name: 'create: duplicate name', cmd: ['create', '--name', 'dc-a', 'busybox', 'true'] },
  { name: 'create: bad flag', cmd: ['create', '--nosuchflag', 'busybox'] },
  { name: 'ps -a --format (created)', cmd: ['ps', '-a', '--format', FMT_PS] },
  { name: 'ps (none running)', cmd: ['ps'] },
  { name: 'ps -a (table)', cmd: ['ps', '-a'] },
  { name: 'inspect -f (created)', cmd: ['inspect', '-f', '{{.Name}} {{.State.Status}} {{.State.Running}} {{.Config.Cmd}} {{.Config.Image}} {{.HostConfig.NetworkMode}} {{.HostConfig.RestartPolicy.Name}} {{.Config.Tty}} {{.Config.OpenStdin}} {{.Config.AttachStdout}}', 'dc-a'] },
  { name: 'start', cmd: ['start', 'dc-a'] },
  { name: 'wait', cmd: ['wait', 'dc-a'] },
  { name: 'logs', cmd: ['logs', 'dc-a'] },
  { name: 'inspect -f (exited)', cmd: ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}} {{.RestartCount}}', 'dc-a'] },
  { name: 'ps -a --format (exited)', cmd: ['ps', '-a', '--format', FMT_PS] },
  { name: 'start -a', cmd: ['start', '-a', 'dc-a'] },
  // --- run
  { name: 'run: stdout, stderr, exit code', cmd: ['run', '--name', 'dc-b', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'] },
  { name: 'run --rm', cmd: ['run', '--rm', 'busybox', 'echo', 'hello'] },
  { name: 'run -i: stdin', cmd: ['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo done'], input: 'typed\n' },
  { name: 'run -e -w -u', cmd: ['run', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', '1000:1000', 'busybox', 'sh', '-c', 'echo $A $(pwd) $(id -u):$(id -g)'] },
  { name: 'run: command not found', cmd: ['run', '--rm', 'busybox', 'nosuchcommand'], differs: { fields: ['stderr'], why: "Docker's line is runc's (`failed to create shim task: OCI runtime create failed: … executable file not found in $PATH: unknown`); minidock's shim says it in its own words, with the same code (127)" } },
  { name: 'run -d', cmd: ['run', '-d', '--name', 'dc-c', '-l', 'k=v', 'busybox', 'sleep', '300'] },
  { name: 'ps (running) --format', cmd: ['ps', '--format', FMT_PS] },
  { name: 'ps -q --filter label', cmd: ['ps', '-q', '--filter', 'label=k=v'] },
  { name: 'ps --filter status=exited --format', cmd: ['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'] },
  { name: 'ps --format table', cmd: ['ps', '--format', 'table {{.Names}}\t{{.Image}}\t{{.Status}}'] },
  { name: 'ps --format json keys', cmd: ['ps', '--format', '{{json .Labels}} {{.Label "k"}} {{.Mounts}} {{.Networks}}'] },
  { name: 'inspect -f (running)', cmd: ['inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.Config.Labels}} {{json .Config.Cmd}} {{.Path}} {{.Args}}', 'dc-c'] },
  { name: 'inspect -f range networks', cmd: ['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'dc-c'] },
  { name: 'exec', cmd: ['exec', 'dc-c', 'echo', 'inside'] },
  { name: 'exec: exit code', cmd: ['exec', 'dc-c', 'sh', '-c', 'exit 4'] },
  { name: 'exec: command not found', cmd: ['exec', 'dc-c', 'nosuchcommand'], differs: { fields: ['stdout', 'stderr'], why: "Docker's line is runc's, and its CLI prints it on stdout; minidock's shim says it on stderr, with the same code (126)" } },
  { name: 'start (already running)', cmd: ['start', 'dc-c'] },
  { name: 'rm (running)', cmd: ['rm', 'dc-c'], differs: { fields: ['stderr'], why: "the wording of Docker 23+ daemons (`cannot remove container \"/dc-c\": container is running: …`), which minidock follows, not 20.10's" } },
  { name: 'stop', cmd: ['stop', '-t', '1', 'dc-c'] },
  { name: 'inspect -f (stopped)', cmd: ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'dc-c'] },
  { name: 'kill (not running)', cmd: ['kill', 'dc-c'], differs: { fields: ['stderr'], why: "the wording of Docker 23+ daemons (lower-case `cannot kill container: …: container … is not running`), not 20.10's" } },
  { name: 'rm', cmd: ['rm', 'dc-a', 'dc-b', 'dc-c'] },
  // --- the common mistakes
  { name: 'rm: no such container', cmd: ['rm', 'nosuch'] },
  { name: 'rm -f: no such container', cmd: ['rm', '-f', 'nosuch'], differs: { fields: ['stderr'], why: "the current docker/cli (ee4c249, `container rm: suppress forced not found errors`) prints nothing; CLI 28.2.2 still printed the daemon's line. Both exit 0" } },
  { name: 'stop: no such container', cmd: ['stop', 'nosuch'] },
  { name: 'start: no such container', cmd: ['start', 'nosuch'] },
  { name: 'logs: no such container', cmd: ['logs', 'nosuch'] },
  { name: 'exec: no such container', cmd: ['exec', 'nosuch', 'true'] },
  { name: 'inspect: no such object', cmd: ['inspect', 'nosuch'] },
  { name: 'attach: no such container', cmd: ['attach', 'nosuch'] },
  { name: 'attach: stopped', before: [['create', '--name', 'dc-s', 'busybox', 'true']], cmd: ['attach', 'dc-s'] },
  { name: 'kill -s NOSUCH', before: [['run', '-d', '--name', 'dc-k', 'busybox', 'sleep', '300']], cmd: ['kill', '-s', 'NOSUCH', 'dc-k'], differs: { fields: ['stderr'], why: "docker 28's daemon's words (`cannot kill container: dc-k: invalid signal: NOSUCH`, cli-daemon-values' DAEMON28); the recording is 20.10's unwrapped `Invalid signal: NOSUCH`" } },
  { name: 'run: bad flag', cmd: ['run', '--nosuchflag', 'busybox'] },
  { name: 'ps: bad flag', cmd: ['ps', '--nosuchflag'] },
  { name: 'run: no image', cmd: ['run'] },
  { name: 'unknown command', cmd: ['nosuchcommand'] },
  { name: 'run --network: no such network', cmd: ['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true'] },
  { name: 'run --pid container: no such container', cmd: ['run', '--rm', '--pid', 'container:nosuch', 'busybox', 'true'] },
  { name: 'run --restart with --rm', cmd: ['run', '--rm', '--restart', 'always', 'busybox', 'true'] },
  { name: 'run -a with -d', cmd: ['run', '-d', '-a', 'stdout', 'busybox', 'true'], differs: { fields: ['code', 'stderr'], why: "minidock keeps the Docker 20.10 CLI's `Conflicting options: -a and -d` (125), which its run-attach tests pin; CLI 28 says `conflicting options: cannot specify both --attach and --detach` (1)" } },
  { name: 'rm -f', cmd: ['rm', '-f', 'dc-s', 'dc-k'] },
  // --- images
  { name: 'images --format', cmd: ['images', '--format', '{{.Repository}}:{{.Tag}}'] },
  { name: 'images (table)', cmd: ['images'] },
  { name: 'image inspect -f', cmd: ['image', 'inspect', '-f', '{{.Os}} {{.Architecture}} {{.Config.Cmd}}', 'busybox'] },
  { name: 'tag', cmd: ['tag', 'busybox', 'dc-img:1'] },
  { name: 'images REPO --format', cmd: ['images', 'dc-img', '--format', '{{.Repository}} {{.Tag}}'] },
  { name: 'rmi tag', cmd: ['rmi', 'dc-img:1'] },
  { name: 'rmi: no such image', cmd: ['rmi', 'nosuch'] },
  // --- networks
  { name: 'network ls --format', cmd: ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'] },
  { name: 'network ls (table)', cmd: ['network', 'ls'] },
  { name: 'network create', cmd: ['network', 'create', 'dc-net'] },
  { name: 'network create: duplicate', cmd: ['network', 'create', 'dc-net'] },
  { name: 'network inspect -f', cmd: ['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.Attachable}} {{.EnableIPv6}}', 'dc-net'] },
  { name: 'network ls --filter name', cmd: ['network', 'ls', '--filter', 'name=dc-', '--format', '{{.Name}}'] },
  { name: 'run --network NET: DNS by name', before: [['run', '-d', '--name', 'dc-web', '--network', 'dc-net', 'busybox', 'sleep', '300']], cmd: ['run', '--rm', '--network', 'dc-net', 'busybox', 'sh', '-c', 'ping -c1 -W2 dc-web >/dev/null && echo reached'] },
  { name: 'network rm: in use', cmd: ['network', 'rm', 'dc-net'], differs: { fields: ['stderr'], why: 'minidock names the containers still attached (`(dc-web)`)' } },
  { name: 'network rm', before: [['rm', '-f', 'dc-web']], cmd: ['network', 'rm', 'dc-net'] },
  { name: 'network rm: no such network', cmd: ['network', 'rm', 'dc-net'] },
  // --- volumes
  { name: 'volume create', cmd: ['volume', 'create', 'dc-vol'] },
  { name: 'volume ls --format', cmd: ['volume', 'ls', '--format', '{{.Driver}} {{.Name}}'] },
  { name: 'run -v NAME:/path', cmd: ['run', '--rm', '-v', 'dc-vol:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f; cat /data/f'] },
  { name: 'volume rm', cmd: ['volume', 'rm', 'dc-vol'] },
  { name: 'volume rm: no such volume', cmd: ['volume', 'rm', 'dc-vol'] },
];
