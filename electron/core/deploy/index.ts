/** The deploy runner (apply / destroy / status over every host of a topology) and its executors. */
export * from './types';
export * from './scripts';
export * from './steps';
export * from './confirm';
export * from './runner';
export * from './memory';
export * from './review';
export * from './ssh-executor';
export * from './report';
export * from './ssh-setup';
export * from './observe-hosts';
export * from './confirm-run';
