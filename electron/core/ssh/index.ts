/** SSH to managed hosts: pooled ssh2 connections, a persistent shell per host, OpenSSH-style host key trust. */
export * from './connector';
export * from './errors';
export * from './framing';
export * from './remote-script';
export * from './known-hosts';
export * from './pool';
export * from './session';
export * from './types';
export * from './route';
export * from './ssh-config';
