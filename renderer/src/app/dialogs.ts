/**
 * Promise-returning in-app dialogs. The request lives in the store so the one <DialogHost/> renders
 * it; whoever asked awaits the answer.
 */
import { useStore } from '../store/store';
import type { DialogButton } from './types';

function open<T>(build: (resolve: (v: T) => void) => NonNullable<ReturnType<typeof useStore.getState>['dialog']>): Promise<T> {
  return new Promise<T>((resolve) => {
    const done = (v: T): void => {
      useStore.getState().setDialog(null);
      resolve(v);
    };
    useStore.getState().setDialog(build(done));
  });
}

export function askChoice(title: string, message: string, buttons: DialogButton[]): Promise<string | null> {
  return open<string | null>((resolve) => ({ kind: 'confirm', title, message, buttons, resolve }));
}

export function askPath(
  title: string,
  message: string,
  initial: string,
  okLabel: string,
  suggestions: string[] = [],
): Promise<string | null> {
  return open<string | null>((resolve) => ({ kind: 'path', title, message, initial, okLabel, suggestions, resolve }));
}

export function askNumber(title: string, message: string, initial: number, min: number, max: number): Promise<number | null> {
  return open<number | null>((resolve) => ({ kind: 'number', title, message, initial, min, max, resolve }));
}

export function showIssues(title: string, message: string, issues: { path: string; message: string }[]): Promise<void> {
  return open<void>((resolve) => ({ kind: 'issues', title, message, issues, resolve: () => resolve() }));
}
