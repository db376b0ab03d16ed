import { describe, expect, it } from "vitest";
import { childPathProblem } from "../src/plan/child-path.js";
import { didYouMean } from "../src/plan/diagnostics.js";
import { findCycles, topologicalOrder } from "../src/plan/graph.js";

describe("topologicalOrder", () => {
  it("puts every node after its inputs", () => {
    // 0 <- 2, 1 <- 0, 3 <- 1,2
    const inputs = [[2], [0], [], [1, 2]];
    expect(topologicalOrder(inputs)).toEqual([2, 0, 1, 3]);
  });

  it("breaks ties by declaration order", () => {
    const inputs = [[], [], [1], [0], []];
    expect(topologicalOrder(inputs)).toEqual([0, 1, 2, 3, 4]);
  });

  it("counts a repeated input once", () => {
    expect(topologicalOrder([[], [0, 0]])).toEqual([0, 1]);
  });

  it("leaves out nodes on or behind a cycle", () => {
    const inputs = [[], [2], [1], [2]];
    expect(topologicalOrder(inputs)).toEqual([0]);
  });
});

describe("findCycles", () => {
  it("finds nothing in an acyclic graph", () => {
    expect(findCycles([[], [0], [0, 1]])).toEqual([]);
  });

  it("gives a cycle in data-flow order from its first-declared node", () => {
    // a takes c, b takes a, c takes b: a -> b -> c -> a
    expect(findCycles([[2], [0], [1]])).toEqual([[0, 1, 2]]);
  });

  it("reports a self-loop", () => {
    expect(findCycles([[], [1]])).toEqual([[1]]);
  });

  it("reports one cycle per strongly connected component", () => {
    const inputs = [[1], [0], [], [4], [3], [0, 3]];
    expect(findCycles(inputs)).toEqual([
      [0, 1],
      [3, 4],
    ]);
  });

  it("handles a long chain without overflowing the stack", () => {
    const n = 50_000;
    const inputs = Array.from({ length: n }, (_, i) => (i === 0 ? [n - 1] : [i - 1]));
    const [cycle] = findCycles(inputs);
    expect(cycle).toHaveLength(n);
    expect(cycle?.[0]).toBe(0);
  });
});

describe("childPathProblem", () => {
  it.each(["child.yaml", "sub/child.yaml", "./.hidden.yaml", "a..b.yaml", "./sub/./x.yaml"])(
    "accepts %s",
    (path) => {
      expect(childPathProblem(path)).toBeUndefined();
    },
  );

  it.each([
    "../x.yaml",
    "sub/../x.yaml",
    "sub/../../x.yaml",
    "/abs.yaml",
    "C:/x.yaml",
    "sub\\x.yaml",
    "..",
    "",
  ])("refuses %s", (path) => {
    expect(childPathProblem(path)).toBeTypeOf("string");
  });
});

describe("didYouMean", () => {
  it("suggests a near id and nothing for a far one", () => {
    expect(didYouMean("filez", ["files", "count"])).toBe('did you mean "files"?');
    expect(didYouMean("zzzzzz", ["files", "count"])).toBeUndefined();
  });
});
