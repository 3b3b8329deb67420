export { createBackend, type BackendOptions, type Dialogs, RECENT_MAX, RECENT_FILE, AUTOSAVE_FILE } from './backend';
export { dispatch, type Handlers, type DispatchOptions, type ParsedRequestOf } from './dispatch';
export { readTextFile, writeFileAtomic, resolveUserPath, MAX_READ_BYTES } from './files';
export { createDeployHandlers, createDeployService, type DeployHandlers, type DeployHandlerOptions } from './deploy-handlers';
export { createHealthHandlers, createHealthService, type HealthHandlers, type HealthHandlerOptions } from './health-handlers';
export { createCredentialPrompts, type SecretStore, type CredentialPrompts } from './credential-prompts';
export { createSshService, type SshService, type SshServiceOptions } from './ssh-service';
