// Placeholder until the namespace work lands (branch namespaces).
export async function createNamespaces(
  _projectDir: string,
  _options: { timeoutMs?: number; onLine?: (line: string) => void },
): Promise<{ ok: boolean; lines: string[] }> {
  return { ok: false, lines: ["namespace creation is not available yet"] };
}
