/**
 * A new sha256 hash. node:crypto is loaded on the first call, not when a module that
 * hashes is imported: loading it costs about 5 ms, and a scaffold from the built-in
 * template hashes nothing (the build computed its digest).
 */
export function sha256(): import("node:crypto").Hash {
  return process.getBuiltinModule("node:crypto").createHash("sha256");
}
