/**
 * What flags and config share when --document-writes is durable-object: each document
 * gets one writer object (src/lib/document-writer.ts in the template), described the
 * same way for both in the README, AGENTS.md and the summary.
 */
import type { DurableObjectClass } from "./unit.js";

export const WRITER_DOCS: DurableObjectClass["docs"] = {
  guarantee: "saves never overwrite each other: each is applied to the object's own copy of the document, one at a time, then published to KV (a publish refused with 429 is retried by its alarm, carrying every save made meanwhile)",
  cost: "one call and one small storage write per save, one KV write per publish; reads do not touch it (one KV read, or none from memory)",
  scaling: "one object per document runs every save in the world in turn: plenty for admin edits, never for per-user data",
};
