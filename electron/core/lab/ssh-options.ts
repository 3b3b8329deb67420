/**
 * The SSH options that reach a lab, for its front doors (the CLI's `--lab`, `demo`), the tests and
 * the benches: the product takes a connector and known_hosts files and never learns about the lab.
 */
import type { SshReachOptions } from '../deploy/ssh-setup';
import { labConnector } from './controller-connector';
import type { LabState } from './state';

/**
 * Dial from the lab's controller namespace (nothing else routes to the lab) and trust exactly the
 * host keys the lab recorded, not ~/.ssh/known_hosts: every lab makes new host keys on the same
 * addresses, so a line left there by an earlier lab would read as a changed key.
 */
export function labSshOptions(lab: LabState): Required<SshReachOptions> {
  return { connector: labConnector(lab), knownHostsFile: lab.keys.knownHosts, userKnownHosts: false };
}
