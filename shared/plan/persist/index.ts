/**
 * Persistent configuration: a host's desired state as the files of its network manager.
 */
export * from './types';
export * from './common';
export * from './render';
