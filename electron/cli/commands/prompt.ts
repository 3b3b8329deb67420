/**
 * Terminal prompts for the deploy commands: a yes/no line and a secret read without echo. Only used
 * when stdin and stderr are a TTY; prompts go to stderr so stdout stays clean.
 */
import { createInterface } from 'node:readline';

export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

export function askLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });
}

/** Reads one line in raw mode without echoing it; Ctrl+C or Ctrl+D gives undefined (declined). */
export function askHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve) => {
    let text = '';
    const done = (value: string | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\u0003' || ch === '\u0004') return done(undefined);
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
