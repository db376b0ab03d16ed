import type { PlannedArtifact } from "../types.js";
import type { StoredOutput } from "./produce.js";

/**
 * Plain outputs of this attempt kept as their stored JSON text while dependents still
 * need them; each dependent parses its own copy, and the text goes once the last has
 * taken it (or was skipped). Streamed outputs are never held: dependents read them
 * from the store.
 */
export class OutputCache {
  private readonly held = new Map<string, StoredOutput>();
  private readonly consumers: Int32Array;

  constructor(
    private readonly artifacts: ReadonlyArray<PlannedArtifact>,
    private readonly index: ReadonlyMap<string, number>,
    dependents: ReadonlyArray<ReadonlyArray<number>>,
  ) {
    this.consumers = new Int32Array(artifacts.length);
    for (let i = 0; i < artifacts.length; i++) this.consumers[i] = dependents[i]!.length;
  }

  /** Keeps a plain output for the dependents still to run. */
  hold(i: number, output: StoredOutput): void {
    if (this.consumers[i]! > 0) this.held.set(this.artifacts[i]!.id, output);
  }

  /** How many outputs are held (for tests of the memory they keep). */
  get size(): number {
    return this.held.size;
  }

  private release(id: string): void {
    if (--this.consumers[this.index.get(id)!]! <= 0) this.held.delete(id);
  }

  /** A skipped artifact will take none of its inputs. */
  consumed(i: number): void {
    for (const id of this.artifacts[i]!.inputs) this.release(id);
  }

  /**
   * The inputs of one artifact: each taken at most once (releasing the held text
   * when it was the last taker), the rest released by `releaseRest`.
   */
  inputsOf(artifact: PlannedArtifact): {
    take(id: string): StoredOutput | undefined;
    releaseRest(): void;
  } {
    const unreleased = [...artifact.inputs];
    return {
      take: (id) => {
        const held = this.held.get(id);
        const at = unreleased.indexOf(id);
        if (at >= 0) {
          unreleased.splice(at, 1);
          this.release(id);
        }
        return held;
      },
      releaseRest: () => {
        for (const id of unreleased.splice(0)) this.release(id);
      },
    };
  }
}
