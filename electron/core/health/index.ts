/** Live health: the poller (one script per host per round over pooled SSH), the mesh check, views and fixes. */
export * from './transport';
export * from './round-script';
export * from './path-mtu-probe';
export * from './view';
export * from './poller';
export * from './mesh-check';
export * from './fix';
