/** `vxlan-studio destroy <file>`: removes what the topology created on its hosts (see apply.ts, one code path). */
import { deployCommand } from './apply';

export const destroyCommand = deployCommand('destroy');
