/**
 * The import methods of the API contract (spread into `methods` in contract.ts): draw what hosts
 * already run, and read the hosts of an Ansible inventory. Types follow shared/import.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors/catalogue';
import { IMPORT_CODES, type ImportCode } from '../import/report';
import { SshAuthSchema } from '../model';

const PathSchema = z.string().min(1).max(4096);

/** A host to import or to place: its name and the SSH settings it gets in the drawing. */
export const ImportTargetSchema = z.object({
  name: z.string().min(1).max(64),
  ssh: z.object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    user: z.string().min(1).max(32),
    auth: SshAuthSchema,
  }),
  sudo: z.boolean(),
});

/** shared/import `ImportReport`. */
export const ImportReportSchema = z.object({
  topologyId: z.string(),
  idFrom: z.enum(['mark', 'new']),
  hosts: z.array(z.object({ name: z.string(), devices: z.array(z.string()) })),
  segments: z.array(
    z.object({ id: z.string(), vni: z.number().int(), port: z.number().int(), flood: z.string(), members: z.array(z.string()) }),
  ),
  warnings: z.array(
    z.object({
      code: z.enum(Object.keys(IMPORT_CODES) as [ImportCode, ...ImportCode[]]),
      message: z.string(),
      host: z.string().optional(),
      device: z.string().optional(),
    }),
  ),
});

export const importMethods = {
  /**
   * Connects to each `[USER@]HOST[:PORT]` (read-only: the observe of deploy, no lock, no change)
   * and draws what they run. `topology` is the drawing's canonical text (null when no host
   * answered); hosts that could not be read come back in `unreachable`. Unknown host keys raise
   * `hosts.hostKeyPrompt`, passwords `hosts.credentialPrompt`.
   */
  'import.fromHosts': {
    request: z.object({
      targets: z.array(z.string().min(1).max(300)).min(1).max(256),
      /** Login for targets that name none (default root). */
      user: z.string().min(1).max(32).optional(),
      /** Private key file for every target (default: ssh-agent). */
      identity: PathSchema.optional(),
    }),
    response: z.object({
      topology: z.string().nullable(),
      report: ImportReportSchema.nullable(),
      unreachable: z.array(z.object({ name: z.string(), error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) })),
    }),
  },
  /**
   * The hosts of an Ansible inventory (INI or YAML), from a file (web mode: inside the workspace)
   * or pasted text, optionally one group; `INVENTORY_INVALID` names file and line.
   */
  'import.readInventory': {
    request: z.object({
      path: PathSchema.optional(),
      text: z.string().max(5_000_000).optional(),
      group: z.string().min(1).max(128).optional(),
      user: z.string().min(1).max(32).optional(),
      identity: PathSchema.optional(),
    }),
    response: z.object({ hosts: z.array(ImportTargetSchema) }),
  },
} as const;
