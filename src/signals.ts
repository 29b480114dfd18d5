/**
 * SIGINT, SIGTERM and SIGHUP all mean "stop": the same clean-up for each, then exit
 * 130, 143 or 129 (128 + the signal's number, as shells report it).
 *
 * - While the project is being written, the writer polls `signalReceived()` and rolls
 *   itself back (see write.ts); the exit happens after that, through CancelledError.
 *   The steps after the write handle a stop the same way (handleStopsHere).
 * - At any other moment we clean up at once: temporary folders registered with
 *   `removeOnSignal`, children stopped, the cursor shown again, one line, exit.
 */
import { rmSync } from "node:fs";
import { stopChildren } from "./steps/run.js";

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

let received: StopSignal | undefined;
/** Set while a caller handles a stop itself (the write, the steps after it). */
let handler: AbortController | undefined;
/** What to say when a signal stops the run at once. */
let stopMessage = "Cancelled; nothing was written.";
const temporaryFolders = new Set<string>();
const waitingForStop: (() => void)[] = [];

export function installSignalHandlers(): void {
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    process.on(signal, () => onSignal(signal));
  }
}

export function signalReceived(): StopSignal | undefined {
  return received;
}

/** Resolves when a stop signal arrives (a prompt waiting for an answer gives up then). */
export function stopRequested(): Promise<void> {
  return received ? Promise.resolve() : new Promise((resolve) => waitingForStop.push(resolve));
}

/** The exit code for the signal that stopped us (130 when it was a prompt's Ctrl+C). */
export function cancelExitCode(): number {
  return SIGNAL_EXIT_CODES[received ?? "SIGINT"];
}

/** A folder that is ours alone and goes if a signal stops the run. Returns its release. */
export function removeOnSignal(folder: string): () => void {
  temporaryFolders.add(folder);
  return () => temporaryFolders.delete(folder);
}

/**
 * From here on the caller handles a stop: a signal aborts the returned AbortSignal
 * (and stops our children) instead of exiting, until `release` is called.
 */
export function handleStopsHere(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  if (received) controller.abort();
  handler = controller;
  return {
    signal: controller.signal,
    release: () => {
      if (handler === controller) handler = undefined;
    },
  };
}

/** Runs the write with signals deferred to it: it rolls back by itself and throws CancelledError. */
export async function whileWriting<T>(write: () => Promise<T>): Promise<T> {
  const stops = handleStopsHere();
  try {
    const result = await write();
    stops.release();
    stopMessage = "Stopped. The files are written; the steps after them did not finish.";
    // A signal that came after the last file moved: the files are complete, stop now.
    if (received) stopNow(received);
    return result;
  } finally {
    stops.release();
  }
}

function onSignal(signal: StopSignal): void {
  if (received) return; // a second Ctrl+C while rolling back must not cut the roll-back short
  received = signal;
  stopChildren();
  for (const resolve of waitingForStop.splice(0)) resolve();
  if (handler) handler.abort();
  else stopNow(signal);
}

function stopNow(signal: StopSignal): never {
  for (const folder of temporaryFolders) rmSync(folder, { recursive: true, force: true });
  showCursor();
  process.stderr.write(`${stopMessage}\n`);
  process.exit(SIGNAL_EXIT_CODES[signal]);
}

let promptShown = false;

/** Called by the prompts: from now on the cursor may be hidden. */
export function notePromptShown(): void {
  promptShown = true;
}

/** Whether a run that left something behind (its process id in a folder name) is gone. */
export function isProcessGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Prompts hide the cursor; whatever ends the run shows it again. */
export function showCursor(): void {
  if (promptShown || process.stdout.isTTY) process.stdout.write("\u001B[?25h");
}
