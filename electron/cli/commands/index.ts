import type { CommandEntry } from '../command';

/**
 * Every subcommand, in `--help` order, with its one-line summary. Each lives in its own module
 * under commands/, imported only when it runs (the built CLI keeps each in its own chunk); add one
 * entry here to register one.
 */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'serve',
    summary: 'Open VXLAN Studio in the browser (web mode, 127.0.0.1, one-time login URL, files confined to a workspace)',
    load: async () => (await import('./serve')).serveCommand,
  },
  {
    name: 'lab',
    summary: 'build a lab of namespace hosts with sshd to try deploys on (root)',
    load: async () => (await import('./lab')).labCommand,
  },
  {
    name: 'validate',
    summary: 'check topology files and print every problem with its field path',
    load: async () => (await import('./validate')).validateCommand,
  },
  {
    name: 'plan',
    summary: 'print the per-host commands (sh script or JSON) for a topology file, offline',
    load: async () => (await import('./plan')).planCommand,
  },
  {
    name: 'apply',
    summary: 'Deploy a topology to its hosts over SSH (per-host diff, confirm, apply, verify)',
    load: async () => (await import('./apply')).applyCommand,
  },
  {
    name: 'destroy',
    summary: 'Remove what a topology created on its hosts, over SSH',
    load: async () => (await import('./destroy')).destroyCommand,
  },
  {
    name: 'status',
    summary: 'Show what apply would change on each host (observe + diff, no change)',
    load: async () => (await import('./status')).statusCommand,
  },
  {
    name: 'import',
    summary: 'Draw what hosts already run (hand-made VXLAN devices, bridges, flood entries), read over SSH',
    load: async () => (await import('./import')).importCommand,
  },
  {
    name: 'confirm',
    summary: 'Keep the change of `apply --confirm-within` on every host (disarm their revert)',
    load: async () => (await import('./confirm')).confirmCommand,
  },
  {
    name: 'revert',
    summary: 'Undo the change of `apply --confirm-within` now on every host (back to its snapshot)',
    load: async () => (await import('./revert')).revertCommand,
  },
  {
    name: 'demo',
    summary: 'One-command demo: a 3-host lab, a topology aimed at it, and the app in the browser (sudo)',
    load: async () => (await import('./demo')).demoCommand,
  },
  {
    name: 'diagnose',
    summary: 'One health round over SSH and its findings (firewall, MTU, reachability, drift)',
    load: async () => (await import('./diagnose')).diagnoseCommand,
  },
];
