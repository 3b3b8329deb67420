/**
 * The app's one SSH pool (one connection per host, reused by deploy and health, so a host is asked once), with the
 * questions it asks people: host keys (`hosts.hostKeyPrompt` answered by `hosts.confirmHostKey`)
 * and passwords/passphrases (`hosts.credentialPrompt` answered by `hosts.answerCredential`, see
 * credential-prompts.ts). The deploy and health services both take it, so a password typed for a
 * deploy also serves the health rounds, and a host has one connection and one shell, not two.
 *
 * It also counts running deploys: the health poller pauses while one runs (a slow round must never
 * reset a connection a deploy step is using, and transient states would only flash red).
 */
import { randomUUID } from 'node:crypto';
import type { EventName, EventOf } from '../../../shared/api/contract';
import { createDeploySsh, type DeploySsh, type SshReachOptions } from '../deploy/ssh-setup';
import { resolveTarget, SshClientConfig, type HostKeyPrompt } from '../ssh';
import { createCredentialPrompts, type SecretStore } from './credential-prompts';
import type { Handlers } from './dispatch';

/** `connector`, `knownHostsFile` and `userKnownHosts` go to the pool (the demo fills them from its lab). */
export interface SshServiceOptions extends SshReachOptions {
  /** Pushes an event to the UI (the web server's or the Electron window's `emit`); read at each event. */
  emit?: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  /** Seconds a question waits for an answer before counting as "refuse"/"cancel"; default 300. */
  promptTimeoutSeconds?: number;
  /** Encrypted store for secrets the user asked to remember (desktop: safeStorage); none = never remembered. */
  secretStore?: SecretStore;
  /**
   * The OpenSSH client config hosts are resolved through: the app and `serve` give ~/.ssh/config
   * (`optional`: a missing file is no config). Absent = none (the lab's demo and the tests).
   */
  sshConfig?: { file: string; optional: boolean };
}

export type SshHandlers = Pick<Handlers, 'hosts.confirmHostKey' | 'hosts.answerCredential' | 'hosts.resolveSsh'>;

export interface SshService {
  /** The pool and its runner connector (created on first use). */
  connection(): DeploySsh;
  handlers: SshHandlers;
  /** Marks a deploy run as started; call the returned function when it ends. */
  beginRun(): () => void;
  /** Called with true when the first run starts and false when the last one ends; returns unsubscribe. */
  onDeploying(listener: (deploying: boolean) => void): () => void;
  /** Refuses open questions and closes every connection. */
  close(): Promise<void>;
}

export function createSshService(options: SshServiceOptions = {}): SshService {
  const emit = <E extends EventName>(event: E, payload: EventOf<E>): void => options.emit?.(event, payload);
  const prompts = new Map<string, (accept: boolean) => void>();
  const listeners = new Set<(deploying: boolean) => void>();
  let running = 0;
  let ssh: DeploySsh | undefined;
  const credentialPrompts = createCredentialPrompts({
    emit,
    secretStore: options.secretStore,
    timeoutSeconds: options.promptTimeoutSeconds,
  });

  const configFile = options.sshConfig;
  const loadConfig = (): Promise<SshClientConfig> =>
    configFile === undefined
      ? Promise.resolve(SshClientConfig.empty())
      : SshClientConfig.load(configFile.file, { optional: configFile.optional });

  const confirmHostKey = (prompt: HostKeyPrompt): Promise<boolean> =>
    new Promise((resolve) => {
      const promptId = randomUUID();
      const timer = setTimeout(
        () => {
          prompts.delete(promptId);
          resolve(false);
        },
        (options.promptTimeoutSeconds ?? 300) * 1000,
      );
      prompts.set(promptId, (accept) => {
        clearTimeout(timer);
        prompts.delete(promptId);
        resolve(accept);
      });
      emit('hosts.hostKeyPrompt', {
        promptId,
        host: prompt.host,
        port: prompt.port,
        keyType: prompt.keyType,
        fingerprint: prompt.fingerprint,
      });
    });

  const notify = (deploying: boolean): void => {
    for (const l of listeners) l(deploying);
  };

  return {
    connection() {
      ssh ??= createDeploySsh({
        hostKeyPolicy: 'ask',
        confirmHostKey,
        credentials: credentialPrompts.credentials,
        log: (e) => credentialPrompts.onSshEvent(e),
        connector: options.connector,
        ...(configFile === undefined ? {} : { sshConfig: loadConfig }),
        knownHostsFile: options.knownHostsFile,
        userKnownHosts: options.userKnownHosts,
      });
      return ssh;
    },
    handlers: {
      'hosts.confirmHostKey': ({ promptId, accept }) => {
        const answer = prompts.get(promptId);
        answer?.(accept);
        return Promise.resolve({ known: answer !== undefined });
      },
      'hosts.answerCredential': ({ promptId, secret, remember, forAllHosts }) =>
        Promise.resolve({ accepted: credentialPrompts.answer(promptId, secret, remember, forAllHosts) }),
      // Read fresh each time, so the inspector shows the file as it is now.
      'hosts.resolveSsh': async ({ ssh: target }) => {
        const config = await loadConfig();
        const r = resolveTarget(target, config);
        return {
          alias: r.alias,
          host: r.host,
          port: r.port,
          user: r.user,
          identityFiles: r.identityFiles,
          jumps: r.jumps.map(({ alias, host, port, user }) => ({ alias, host, port, user })),
          sources: r.sources,
          files: config.files,
        };
      },
    },
    beginRun() {
      running++;
      if (running === 1) notify(true);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        running--;
        if (running === 0) notify(false);
      };
    },
    onDeploying(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      for (const answer of prompts.values()) answer(false);
      credentialPrompts.cancelAll();
      await ssh?.close();
      ssh = undefined;
    },
  };
}
