// Docker's SCOPE of a network (`network ls`, `inspect`): overlay networks exist on every host of
// the cluster (`swarm`), the others on this one. Pure and import-free: the CLI's table uses it
// without loading the network layer.
export function scopeOf(n: { Driver: string }): 'local' | 'swarm' {
  return n.Driver === 'overlay' ? 'swarm' : 'local';
}
