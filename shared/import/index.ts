/**
 * Import: what hosts already run (observed state) or an Ansible inventory lists, turned into a
 * drawing, with a report of everything the drawing cannot say.
 */
export * from './import';
export * from './layout';
export * from './report';
export * from './inventory';
export * from './targets';
