/** Names of the network namespaces on this machine (`ip netns list`), for checking a lab is gone. */
import { run } from '../../core/lab/index';

export async function netnsList(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
}
