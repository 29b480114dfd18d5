/**
 * Commands we print for the user to paste: every word quoted for their shell only
 * when it needs to be, whatever a folder name contains (spaces, quotes, `$`).
 */

const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

export function shellQuote(word: string, platform: NodeJS.Platform = process.platform): string {
  if (PLAIN_WORD.test(word)) return word;
  if (platform === "win32") {
    // cmd and PowerShell both take "..." (a Windows path cannot contain `"`), but
    // PowerShell expands `$` and backticks inside it; its '...' does not.
    return /[$`]/.test(word) ? `'${word.replace(/'/g, "''")}'` : `"${word}"`;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `cd <dir> && <command>`, or just the command when dir is the current folder. */
export function inFolder(dir: string, command: string): string {
  return dir === "" || dir === "." ? command : `cd ${shellQuote(dir)} && ${command}`;
}
