/**
 * FNV-1a, 32 bits, over a text's UTF-8 bytes: a fast, stable hash for names and
 * ids that no one forges (a working folder's tag, a rate limiter's namespace id).
 * Not a cryptographic digest: where a forged input matters, use sha256.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
