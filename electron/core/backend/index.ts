export { createBackend, type BackendOptions, type Dialogs, RECENT_MAX, RECENT_FILE, AUTOSAVE_FILE } from './backend';
export { dispatch, type Handlers, type DispatchOptions, type ParsedRequestOf } from './dispatch';
export { readTextFile, writeFileAtomic, resolveUserPath, MAX_READ_BYTES } from './files';
