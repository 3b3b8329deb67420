/** `vxlan-studio revert <file>`: undo the change of `apply --confirm-within` now (see confirm.ts, one code path). */
import { confirmVerb } from './confirm';

export const revertCommand = confirmVerb('revert');
