export * from './topology';
export * from './file';
