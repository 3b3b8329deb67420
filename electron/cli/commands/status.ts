/** `vxlan-studio status <file>`: observe + diff on every host, no change (see apply.ts, one code path). */
import { deployCommand } from './apply';

export const statusCommand = deployCommand('status');
