import { IndexHeap } from "../heap.js";
/**
 * Graph algorithms over artifacts numbered in declaration order: node `i` depends on
 * the nodes in `inputs[i]`. Iterative, so deep graphs cannot overflow the stack.
 */

/**
 * One cycle per strongly connected component that has one (self-loops included), each
 * as a list of nodes in data-flow order: every node is an input of the next, and the
 * last is an input of the first. Each cycle starts at its component's first-declared
 * node; cycles are sorted by that node.
 */
export function findCycles(inputs: ReadonlyArray<ReadonlyArray<number>>): number[][] {
  const n = inputs.length;
  const consumers = consumersOf(inputs);
  const components = stronglyConnectedComponents(inputs);
  const cycles: number[][] = [];
  for (const component of components) {
    const first = Math.min(...component);
    if (component.length === 1 && !inputs[first]!.includes(first)) continue;
    const inComponent = new Set(component);
    // Shortest path from `first` back to itself inside the component, following data
    // flow (node -> its consumers), visiting consumers in declaration order.
    const previous = new Int32Array(n).fill(-1);
    const queue = [first];
    let closing = -1;
    for (let head = 0; head < queue.length && closing === -1; head++) {
      const node = queue[head]!;
      for (const next of consumers[node]!) {
        if (!inComponent.has(next)) continue;
        if (next === first) {
          closing = node;
          break;
        }
        if (previous[next] === -1) {
          previous[next] = node;
          queue.push(next);
        }
      }
    }
    const path: number[] = [];
    for (let node = closing; node !== first && node !== -1; node = previous[node]!) {
      path.push(node);
    }
    path.push(first);
    path.reverse();
    cycles.push(path);
  }
  return cycles.sort((a, b) => a[0]! - b[0]!);
}

/**
 * Kahn's algorithm; among the nodes ready at a time the first-declared goes first.
 * Nodes on or behind a cycle are left out, so the result is shorter than the input
 * exactly when the graph has a cycle.
 */
export function topologicalOrder(inputs: ReadonlyArray<ReadonlyArray<number>>): number[] {
  const n = inputs.length;
  const consumers = consumersOf(inputs);
  const waiting = inputs.map((list) => new Set(list).size);
  const ready = new IndexHeap();
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);
  const order: number[] = [];
  while (ready.size > 0) {
    const node = ready.pop()!;
    order.push(node);
    for (const next of consumers[node]!) {
      waiting[next]! -= 1;
      if (waiting[next] === 0) ready.push(next);
    }
  }
  return order;
}

/** For each node, the distinct nodes that take it as input, in declaration order. */
function consumersOf(inputs: ReadonlyArray<ReadonlyArray<number>>): number[][] {
  const consumers: number[][] = inputs.map(() => []);
  inputs.forEach((list, node) => {
    for (const input of new Set(list)) consumers[input]!.push(node);
  });
  return consumers;
}

/** Tarjan's algorithm, iterative. */
function stronglyConnectedComponents(inputs: ReadonlyArray<ReadonlyArray<number>>): number[][] {
  const n = inputs.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const frames: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const edges = inputs[frame.node]!;
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++]!;
        if (index[next] === -1) {
          index[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = 1;
          frames.push({ node: next, edge: 0 });
        } else if (onStack[next]) {
          low[frame.node] = Math.min(low[frame.node]!, index[next]!);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node]!, low[frame.node]!);
      if (low[frame.node] === index[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
