// The contract between the container engine and the network layer.

export type Proto = 'tcp' | 'udp';

/** One published port: -p [hostIp:]hostPort:containerPort[/proto]. hostIp '' means all. */
export interface PortBinding {
  hostIp: string;
  /** 0 = a random (ephemeral) host port, chosen at setup. */
  hostPort: number;
  /** `-p 8000-8010:80`: any one free host port from hostPort..hostPortEnd. */
  hostPortEnd?: number;
  containerPort: number;
  proto: Proto;
}

/** Docker-shaped per-network endpoint, as `inspect` shows it under NetworkSettings.Networks. */
export interface EndpointSettings {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  /** On a network with IPv6 (Docker's names). */
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPv6Gateway?: string;
  MacAddress: string;
  Aliases: string[] | null;
  /** minidock's own: the host end of the veth pair, and the interface name inside. */
  HostInterface?: string;
  Interface?: string;
}

/** Docker-shaped NetworkSettings (plus the netns name minidock uses). */
export interface NetworkSettings {
  SandboxKey: string; // /run/netns/NAME, '' for host mode
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  Networks: Record<string, EndpointSettings>;
}

export interface ContainerRef {
  id: string;
  name: string;
  running: boolean;
  netnsPath: string; // '' when the container uses the host network
}

export interface NetworkRequest {
  containerId: string;
  containerName: string;
  hostname: string;
  /** 'bridge' (default) | 'host' | 'none' | 'container:<name|id>' | a user network name */
  mode: string;
  ip?: string;
  /** --ip6: the IPv6 address on a network with IPv6. */
  ip6?: string;
  aliases?: string[];
  ports: PortBinding[];
  /** --mac-address: eth0's MAC instead of the one derived from its IP. */
  mac?: string;
  /** --dns: on a user network, the servers the embedded DNS forwards this container's queries to. */
  dns?: string[];
  /** Looks up another container (for container:<name|id>). */
  lookup: (nameOrId: string) => ContainerRef | undefined;
  /** Receives each host change as the command a person would type, with a comment. */
  explain?: (line: string) => void;
  /** Settles once minidock-shim has created the container's netns (see setupContainerNetwork). */
  netnsReady?: Promise<void>;
}

export interface NetworkResult {
  /** netns the container joins; '' = the host's own network namespace. */
  netnsPath: string;
  settings: NetworkSettings;
  /** Lines for /etc/hosts beyond localhost: `IP\tname…` */
  hosts: string[];
  /** Content for /etc/resolv.conf. */
  resolvConf: string;
  /** What minidock-shim sets up inside the netns: `IF A.B.C.D/N|- GATEWAY|-[ ADDR6/N GATEWAY6|dev|-]`, '' = loopback only. */
  inside?: string;
  /** Things the user should be told (e.g. ports ignored in host mode), Docker's WARNING lines. */
  warnings?: string[];
}

export interface TeardownOptions {
  /** Receives each host change as the command a person would type, with a comment. */
  explain?: (line: string) => void;
  /** minidock-shim removed the netns as the container ended: its veths are going with it. */
  netnsRemoved?: boolean;
  /**
   * The container's network mode is none: its start made a netns with only loopback, and no
   * endpoint, address or port. Without endpoint files (none joined with `network connect`)
   * there is nothing to release under the network lock.
   */
  netnsOnly?: boolean;
}
