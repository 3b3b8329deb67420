/**
 * Backend handlers of the import methods: `import.fromHosts` observes hosts read-only over the app's
 * one SSH pool (host keys and passwords are asked as for a deploy) and draws them;
 * `import.readInventory` reads an Ansible inventory (a file, confined like file.read, or pasted text).
 */
import { AppError } from '../../../shared/errors/catalogue';
import { inventoryHosts, inventoryTarget, parseInventory, parseSshTarget, type ImportTarget } from '../../../shared/import';
import { serializeTopology } from '../../../shared/model';
import { importFromHosts } from '../deploy/observe-hosts';
import type { Handlers } from './dispatch';
import { readTextFile } from './files';
import type { SshService } from './ssh-service';

export type ImportHandlers = Pick<Handlers, 'import.fromHosts' | 'import.readInventory'>;

export interface ImportHandlerOptions {
  ssh: SshService;
  /** Resolves a path from the page and, in web mode, refuses it outside the workspace (as file.read does). */
  resolveAllowed: (input: string) => Promise<string>;
}

export function createImportHandlers(options: ImportHandlerOptions): ImportHandlers {
  return {
    'import.fromHosts': async ({ targets: texts, user, identity }) => {
      const defaults = { ...(user === undefined ? {} : { user }), ...(identity === undefined ? {} : { identity }) };
      const targets: ImportTarget[] = [];
      for (const text of texts) {
        if (text.trim() === '') continue;
        const t = parseSshTarget(text, defaults);
        if (typeof t === 'string') throw new AppError('SSH_HOST_INVALID', t, { target: text });
        targets.push(t);
      }
      if (targets.length === 0)
        throw new AppError('SSH_HOST_INVALID', 'No host to import: give one [USER@]HOST[:PORT] per line.');
      const { result, unread } = await importFromHosts(targets, options.ssh.connection().connect);
      return {
        topology: result === undefined ? null : serializeTopology(result.topology),
        report: result?.report ?? null,
        unreachable: unread.map((u) => ({ name: u.name, error: { code: u.error.code, message: u.error.message } })),
      };
    },
    'import.readInventory': async ({ path: input, text, group, user, identity }) => {
      if ((input === undefined) === (text === undefined))
        throw new AppError('BAD_REQUEST', 'Give the inventory as a file path or as pasted text, one of the two.');
      const file = input === undefined ? 'pasted inventory' : await options.resolveAllowed(input);
      const body = text ?? (await readTextFile(file, 5_000_000));
      const inv = parseInventory(body, file);
      const defaults = { ...(user === undefined ? {} : { user }), ...(identity === undefined ? {} : { identity }) };
      return { hosts: inventoryHosts(inv, file, group).map((h) => inventoryTarget(h, defaults)) };
    },
  };
}
