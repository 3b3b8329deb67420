/** The netns lab: real Linux hosts (namespaces with sshd) for tests, benchmarks, demos and users. */
export * from './exec';
export * from './preflight';
export * from './spec';
export * from './state';
export * from './netns';
export * from './sshd';
export * from './host-ns';
export * from './lab';
export * from './faults';
export * from './netns-exec';
export * from './topology';
export * from './report';
export * from './with-lab';
export * from './plan-exec';
export * from './netns-executor';
export * from './ssh-options';
