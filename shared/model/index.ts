export * from './topology';
export * from './file';
export * from './edits';
