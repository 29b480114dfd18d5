import { gzipSync } from "node:zlib";

/**
 * A tiny ustar writer for test fixtures. Unlike the system `tar`, it writes exactly
 * the entries it is given, hostile ones included: "../escape.txt", "/etc/absolute",
 * symlinks pointing anywhere.
 */
export type TarEntry =
  | { path: string; content: string | Uint8Array }
  | { path: string; type: "directory" }
  | { path: string; type: "symlink"; target: string };

const BLOCK = 512;

/** Files as entries under one top-level folder, the way GitHub and GitLab pack a repository. */
export function inFolder(top: string, files: Record<string, string>): TarEntry[] {
  return Object.entries(files).map(([path, content]) => ({ path: `${top}/${path}`, content }));
}

export function tarGz(entries: TarEntry[]): Buffer {
  return gzipSync(tar(entries));
}

export function tar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    if ("content" in entry) {
      const body = Buffer.from(entry.content);
      blocks.push(header(entry.path, "0", body.length, ""));
      blocks.push(body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
    } else if (entry.type === "directory") {
      blocks.push(header(entry.path.endsWith("/") ? entry.path : `${entry.path}/`, "5", 0, ""));
    } else {
      blocks.push(header(entry.path, "2", 0, entry.target));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2)); // end-of-archive marker
  return Buffer.concat(blocks);
}

function header(path: string, typeflag: string, size: number, linkname: string): Buffer {
  if (Buffer.byteLength(path) > 100) throw new Error(`test tar writer: path too long: ${path}`);
  const block = Buffer.alloc(BLOCK);
  block.write(path, 0, 100, "utf8");
  block.write(octal(typeflag === "5" ? 0o755 : 0o644, 8), 100);
  block.write(octal(0, 8), 108); // uid
  block.write(octal(0, 8), 116); // gid
  block.write(octal(size, 12), 124);
  block.write(octal(1_700_000_000, 12), 136); // mtime
  block.write(" ".repeat(8), 148); // checksum field counts as spaces while summing
  block.write(typeflag, 156);
  block.write(linkname, 157, 100, "utf8");
  block.write("ustar\u000000", 257);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148);
  return block;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\u0000`;
}
