/**
 * Semantic validation of a topology: cross-field and cross-element checks that the zod schema in
 * `shared/model` cannot express in one field. Public surface of `shared/validate`.
 */
export * from './diagnostic';
export * from './ip';
export * from './codes';
export { VALIDATION_RULES, hintFor, type HintValues } from './rules';
export * from './text';
export {
  validateTopology,
  fileIssuesToDiagnostics,
  MESH_MEMBER_WARN_LIMIT,
  IPV6_MIN_MTU,
  type ValidateOptions,
} from './validate-topology';
