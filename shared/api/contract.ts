/**
 * The one typed API contract between the renderer and the backend, used by every transport
 * (Electron IPC and the WebSocket of web mode). Each method is `{ request, response }` zod schemas;
 * each event a payload schema. Names read `domain.verb`.
 */
import { z } from 'zod';
import type { AppErrorData } from '../errors/catalogue';

const Empty = z.object({});
const PathSchema = z.string().min(1).max(4096);

export const MENU_COMMANDS = [
  'file.new',
  'file.open',
  'file.openRecent',
  'file.save',
  'file.saveAs',
  'edit.undo',
  'edit.redo',
  'edit.copy',
  'edit.paste',
  'edit.delete',
  'edit.selectAll',
  'view.fit',
  'view.autoLayout',
  'view.toggleMinimap',
  'help.about',
] as const;
export const MenuCommandSchema = z.enum(MENU_COMMANDS);
export type MenuCommand = z.infer<typeof MenuCommandSchema>;

export const methods = {
  /** What backend this is: version, transport, and whether native file dialogs exist. */
  'app.info': {
    request: Empty,
    response: z.object({
      version: z.string(),
      transport: z.enum(['ipc', 'ws']),
      platform: z.string(),
      nativeDialogs: z.boolean(),
      /** Folder where relative paths typed by the user are resolved (web mode). */
      workingDirectory: z.string(),
    }),
  },
  /** Native "Open" dialog; `null` when the user cancels. UNSUPPORTED in web mode. */
  'file.pickOpen': { request: Empty, response: z.object({ path: PathSchema }).nullable() },
  /** Native "Save As" dialog; `null` when the user cancels. UNSUPPORTED in web mode. */
  'file.pickSave': { request: z.object({ suggestedName: z.string().max(255) }), response: z.object({ path: PathSchema }).nullable() },
  /** Reads a topology file's text. Parsing and validation happen in shared/ on the caller's side. */
  'file.read': { request: z.object({ path: PathSchema }), response: z.object({ path: PathSchema, text: z.string() }) },
  /** Writes a file atomically (temp file + rename), so a crash never leaves half a file. */
  'file.write': {
    request: z.object({ path: PathSchema, text: z.string().max(50_000_000) }),
    response: z.object({ path: PathSchema, bytes: z.number().int() }),
  },
  /** Most recently opened/saved files, newest first. */
  'recent.list': { request: Empty, response: z.object({ paths: z.array(PathSchema) }) },
  'recent.add': { request: z.object({ path: PathSchema }), response: z.object({ paths: z.array(PathSchema) }) },
  /** Crash-safe autosave of the unsaved drawing. */
  'autosave.write': {
    request: z.object({ text: z.string().max(50_000_000), path: PathSchema.nullable() }),
    response: z.object({ savedAt: z.string() }),
  },
  'autosave.read': {
    request: Empty,
    response: z.object({ text: z.string(), path: PathSchema.nullable(), savedAt: z.string() }).nullable(),
  },
  'autosave.clear': { request: Empty, response: Empty },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type RequestOf<M extends MethodName> = z.input<Methods[M]['request']>;
export type ResponseOf<M extends MethodName> = z.output<Methods[M]['response']>;

export const events = {
  /** A native menu item or accelerator was used (desktop app). */
  'menu.command': z.object({
    command: MenuCommandSchema,
    /** Only for `file.openRecent`: the file the user picked in File > Open Recent. */
    path: PathSchema.optional(),
  }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventOf<E extends EventName> = z.output<Events[E]>;

/** What every call returns across a transport: exceptions never cross the boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/** The client-side view of the API used by the renderer, whatever the transport. */
export interface ApiClient {
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<Result<ResponseOf<M>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}
