// The `run`/`create` flags of issue 13 (src/engine/container/runflags.ts), declared apart from
// main.ts's runLike so the two grow without stepping on each other. Only flags that are
// enforced are declared: an undeclared one is an "unknown option", never accepted and ignored.
import type { Command } from 'commander';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function addRunFlagOptions(cmd: Command): Command {
  return cmd
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (host:ip; ip may be host-gateway)', collect)
    .option('--dns <ip>', 'Set custom DNS servers', collect)
    .option('--dns-search <domain>', 'Set custom DNS search domains', collect)
    .option('--dns-option <option>', 'Set DNS options', collect)
    .option('--mac-address <mac>', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)')
    .option('--cidfile <file>', 'Write the container ID to the file')
    .option('--stop-signal <signal>', 'Signal to stop the container')
    .option('--stop-timeout <seconds>', 'Timeout (in seconds) to stop a container')
    .option('--expose <port>', 'Expose a port or a range of ports', collect)
    .option('--sysctl <key=value>', 'Sysctl options (namespaced ones: net.*, kernel.msg*/sem/shm*, fs.mqueue.*)', collect)
    .option('--ulimit <name=soft[:hard]>', 'Ulimit options', collect)
    .option('--label-file <file>', 'Read in a line delimited file of labels', collect)
    .option('--cpuset-cpus <list>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--cpuset-mems <list>', 'MEMs in which to allow execution (0-3, 0,1)')
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--shm-size <bytes>', 'Size of /dev/shm')
    .option('--group-add <group>', 'Add additional groups to join', collect)
    .option('--pull <policy>', 'Pull image before running ("always", "missing", "never")')
    .option('--platform <platform>', 'Set platform if server is multi-platform capable (os/arch[/variant])')
    .option('--device <host[:ctr][:perms]>', 'Add a host device to the container', collect)
    .option('--pid <mode>', 'PID namespace to use (host)')
    .option('--ipc <mode>', 'IPC mode to use (host, private, shareable, none, container:<name|id>)')
    .option('--uts <mode>', 'UTS namespace to use (host)')
    .option('--userns <mode>', 'User namespace to use (refused: minidock has none)')
    .option('--runtime <name>', 'Runtime to use for this container (refused: minidock has one)');
}
