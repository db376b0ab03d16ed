/** See place-outputs.mjs. */
export function placeOutputs(
  dir: string,
  files: ReadonlyArray<{ path: string; contents: Uint8Array }>,
  entries: ReadonlySet<string>,
): string[];
