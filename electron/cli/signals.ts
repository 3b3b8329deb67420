/**
 * Resolves on the first SIGINT or SIGTERM (Ctrl+C, `kill`), then stops listening. Call it before
 * printing a URL or a ready line: whoever reads that line may signal the process at once.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
