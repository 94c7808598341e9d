#!/usr/bin/env node
"use strict";
/*
 * `node scripts/layout-examples.js`: lays out every examples/NN-*.json (then run `npm run flows`).
 *
 * One group per stage, top to bottom — input, map, store, complete — and errors and dead letters in a group of their
 * own; the read-me comment above them. Inside a group the nodes run left to right in columns as wide as their widest
 * label, branches one row apart. The browser suite (test/browser/example-layout.test.ts) measures the result in the
 * real editor: no two nodes overlap and every node is visible at zoom 1.
 */
const fs = require("node:fs");
const path = require("node:path");
const { EXAMPLES_DIR, exampleFiles } = require("./build-flows");

const STAGES = [
  ["input", "input"],
  ["map", "map"],
  ["store", "store"],
  ["complete", "complete"],
  ["errors", "errors and dead letters"],
];
const SOURCES = new Set(["exstream-output-watch", "cs-workflow-trigger", "inject"]);
const STAGE_OF_TYPE = {
  "exstream-output-watch": "input",
  "cs-workflow-trigger": "input",
  inject: "input",
  "metadata-map": "map",
  "exstream-generate": "map",
  "exstream-publish": "map",
  "cs-archive": "store",
  "cs-workflow": "complete",
  debug: "complete",
};
const ROUTING = new Set(["change", "switch"]);
const COLUMN_GAP = 70;
const ROW = 60;
const GROUP_GAP = 40;
const PAD = 20;
const LABEL = 24;
const LEFT = 40;
/** Fits the canvas of a 1920 × 1080 editor window with palette and sidebar open. */
const MAX_WIDTH = 1300;

/** The editor's node box: 14 px label, icon and port room; rounded up to the 20 px grid (generous on purpose). */
function nodeSize(node) {
  const label = node.name || node.type;
  const width = Math.max(100, 20 * Math.ceil((label.length * 7 + 60) / 20));
  const outputs = (node.wires || []).length;
  return { width, height: Math.max(30, outputs * 15) };
}

function layout(nodes) {
  const tab = nodes.find((n) => n.type === "tab");
  const flow = nodes.filter((n) => n.z === tab.id && n.type !== "comment" && n.type !== "group");
  const byId = new Map(flow.map((n) => [n.id, n]));
  const out = (n) =>
    (n.wires || []).flatMap((targets, port) => targets.filter((id) => byId.has(id)).map((id) => ({ id, port })));
  const into = new Map(flow.map((n) => [n.id, []]));
  for (const n of flow) for (const { id } of out(n)) if (!SOURCES.has(byId.get(id).type)) into.get(id).push(n.id);

  // errors and dead letters: catch nodes, what they feed, what a dead-letter port (output 2 of a watch) feeds, and
  // routing nodes that feed nothing else
  const errors = new Set();
  const mark = (id) => {
    const n = byId.get(id);
    if (errors.has(id) || SOURCES.has(n.type)) return;
    errors.add(id);
    for (const next of out(n)) mark(next.id);
  };
  for (const n of flow) {
    if (n.type === "catch" || n.type === "status") mark(n.id);
    if (n.type === "exstream-output-watch") for (const id of n.wires[1] || []) mark(id);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const n of flow) {
      const next = out(n);
      if (!errors.has(n.id) && ROUTING.has(n.type) && next.length && next.every(({ id }) => errors.has(id))) {
        errors.add(n.id);
        changed = true;
      }
    }
  }

  const stageOf = new Map();
  const resolveStage = (n, seen = new Set()) => {
    if (errors.has(n.id)) return "errors";
    if (STAGE_OF_TYPE[n.type]) return STAGE_OF_TYPE[n.type];
    seen.add(n.id);
    for (const { id } of out(n)) {
      if (seen.has(id) || errors.has(id)) continue;
      const next = byId.get(id);
      if (SOURCES.has(next.type)) continue;
      return resolveStage(next, seen); // a routing node belongs to the stage it leads into
    }
    return "complete";
  };
  for (const n of flow) stageOf.set(n.id, resolveStage(n));

  // rows: sources one below the other, a node on the average row of what feeds it, branches spread by port
  const row = new Map();
  const order = [];
  const visit = (id, seen) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const { id: next } of out(byId.get(id))) if (!SOURCES.has(byId.get(next).type)) visit(next, seen);
    order.unshift(id);
  };
  const seen = new Set();
  const starts = [...flow.filter((n) => SOURCES.has(n.type) || n.type === "catch"), ...flow];
  for (const n of starts.reverse()) visit(n.id, seen);
  const rank = new Map(order.map((id, i) => [id, i]));
  let nextSourceRow = 0;
  for (const id of order) {
    const feeders = into.get(id).filter((from) => row.has(from) && rank.get(from) < rank.get(id));
    if (!feeders.length) {
      row.set(id, nextSourceRow);
    } else {
      const rows = feeders.map((from) => {
        const feeder = byId.get(from);
        const ports = feeder.wires.filter((targets) =>
          targets.some((t) => byId.has(t) && !SOURCES.has(byId.get(t).type)),
        );
        const port = feeder.wires.findIndex((targets) => targets.includes(id));
        const spread = ports.length > 1 ? port - (feeder.wires.length - 1) / 2 : 0;
        return row.get(from) + spread;
      });
      row.set(id, rows.reduce((a, b) => a + b, 0) / rows.length);
    }
    nextSourceRow = Math.max(nextSourceRow, Math.ceil(row.get(id)) + 2);
  }

  // columns inside a stage: the longest path over the stage's own wires
  const column = new Map();
  for (const id of order) {
    const stage = stageOf.get(id);
    const feeders = into.get(id).filter((from) => stageOf.get(from) === stage && rank.get(from) < rank.get(id));
    column.set(id, feeders.length ? Math.max(...feeders.map((from) => column.get(from) + 1)) : 0);
  }

  const groups = [];
  const comments = nodes.filter((n) => n.z === tab.id && n.type === "comment");
  let top = 40;
  for (const comment of comments) {
    comment.x = LEFT + nodeSize(comment).width / 2;
    comment.y = top;
    delete comment.g;
    top += 40;
  }
  top += 10;
  for (const [stage, label] of STAGES) {
    const members = flow.filter((n) => stageOf.get(n.id) === stage);
    if (!members.length) continue;
    const columns = Math.max(...members.map((n) => column.get(n.id))) + 1;
    const widths = Array.from({ length: columns }, (_, c) =>
      Math.max(...members.filter((n) => column.get(n.id) === c).map((n) => nodeSize(n).width), 0),
    );
    // rows of the group closed up: no gap wider than one row (a second source's lane starts right below the first)
    const rows = [...new Set(members.map((n) => row.get(n.id)))].sort((a, b) => a - b);
    const place = new Map([[rows[0], 0]]);
    for (let i = 1; i < rows.length; i++)
      place.set(rows[i], place.get(rows[i - 1]) + Math.min(1, rows[i] - rows[i - 1]));
    let left = PAD;
    let bottom = 0;
    for (let c = 0; c < columns; c++) {
      const inColumn = members
        .filter((n) => column.get(n.id) === c)
        .sort((a, b) => row.get(a.id) - row.get(b.id) || rank.get(a.id) - rank.get(b.id));
      let lowest = -Infinity;
      for (const n of inColumn) {
        const { height } = nodeSize(n);
        const y = Math.max(LABEL + PAD + place.get(row.get(n.id)) * ROW + height / 2, lowest + ROW / 2 + height / 2);
        n.x = Math.round(left + widths[c] / 2);
        n.y = Math.round(y);
        lowest = y + height / 2;
        bottom = Math.max(bottom, lowest);
      }
      left += widths[c] + COLUMN_GAP;
    }
    const id = `${tab.id}-${stage}`;
    for (const n of members) n.g = id;
    const group = {
      id,
      type: "group",
      z: tab.id,
      name: label,
      style: { label: true },
      nodes: members.map((n) => n.id),
    };
    groups.push(Object.assign(group, { x: 0, y: 0, w: left - COLUMN_GAP + PAD, h: bottom + PAD, members }));
  }

  // shelves: groups side by side while they fit in MAX_WIDTH, then the next shelf below
  let x = LEFT;
  let shelfBottom = top;
  for (const group of groups) {
    if (x > LEFT && x + group.w > LEFT + MAX_WIDTH) {
      x = LEFT;
      top = shelfBottom + GROUP_GAP;
    }
    group.x = x;
    group.y = top;
    for (const n of group.members) {
      n.x += x;
      n.y += top;
    }
    delete group.members;
    x += group.w + GROUP_GAP;
    shelfBottom = Math.max(shelfBottom, top + group.h);
  }

  const rest = nodes.filter((n) => n.type !== "group" || n.z !== tab.id);
  const at = rest.indexOf(tab) + 1;
  return [...rest.slice(0, at), ...groups, ...rest.slice(at)];
}

if (require.main === module) {
  for (const file of exampleFiles()) {
    const full = path.join(EXAMPLES_DIR, file);
    const nodes = JSON.parse(fs.readFileSync(full, "utf8"));
    fs.writeFileSync(full, JSON.stringify(layout(nodes), null, 2) + "\n");
    console.log(`${file}: laid out`);
  }
}

module.exports = { layout };
