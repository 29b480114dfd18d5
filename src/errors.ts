/** Exit codes, as documented in README.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

/** A problem the user can fix: shown as one line, no stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** A bad flag or value, or a missing answer in non-interactive mode: exit 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = "UsageError";
  }
}

/** The user pressed Ctrl+C: exit 130. */
export class CancelledError extends Error {
  constructor() {
    super("Cancelled.");
    this.name = "CancelledError";
  }
}

/**
 * What to say for an operating-system error the user can act on, by its code, or
 * undefined for anything else (a bug). Node's fs errors carry the path.
 */
const SYSTEM_PROBLEMS: Record<string, (path: string) => string> = {
  ENOSPC: (path) => `no space left on the device that holds ${path}; free some space and run again`,
  EDQUOT: (path) => `your disk quota is used up on the device that holds ${path}; free some space and run again`,
  EACCES: (path) => `permission denied for ${path}; choose a folder you can write to, or fix its permissions`,
  EPERM: (path) => `operation not permitted on ${path}; choose a folder you can write to, or fix its permissions`,
  EROFS: (path) => `${path} is on a read-only file system; choose a folder on a writable one`,
  ENAMETOOLONG: (path) => `a name in ${path} is too long for the file system (at most 255 bytes a name); choose a shorter one`,
  ENOTDIR: (path) => `a part of ${path} is a file, not a folder; move that file away or choose another directory`,
  EMFILE: (path) => `too many open files while working on ${path}; raise the limit (ulimit -n) and run again`,
  ENFILE: (path) => `the system has too many open files while working on ${path}; close some programs and run again`,
  EFBIG: (path) => `${path} is larger than this file system or your file-size limit (ulimit -f) allows; write the project elsewhere`,
};

/**
 * An OS error turned into a UserError that names the path and the fix, or undefined.
 * `where` names the path when the error's own is an internal one (a working folder).
 */
export function systemUserError(error: unknown, where?: string): UserError | undefined {
  if (error instanceof UserError) return error;
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  const describe = typeof code === "string" ? SYSTEM_PROBLEMS[code] : undefined;
  if (!describe) return undefined;
  where ??= typeof path === "string" ? path : "a file of the project";
  return new UserError(`${describe(where)} (${code as string})`);
}
