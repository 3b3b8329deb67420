/** Types for eslint.config.js, so tests can load the project's own lint config. */
import type { Linter } from 'eslint';

declare const config: Linter.Config[];
export default config;
