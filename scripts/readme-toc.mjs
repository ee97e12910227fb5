// The README's table of contents, made from its headings: every `##` heading after the
// contents, each with its `###` headings on one line.
//
//   node scripts/readme-toc.mjs           # rewrite the list between <!-- toc --> and <!-- /toc -->
//   node scripts/readme-toc.mjs --check   # exit 1 when that list is not what the headings give
//
// Anchors are made as GitHub makes them (github-slugger): the heading's text in lower case,
// without punctuation, spaces as hyphens, and -1, -2, … for a repeated one. tests/node/readme.test.mjs
// checks that every #link of the README reaches a heading.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const README = fileURLToPath(new URL("../README.md", import.meta.url));
const START = "<!-- toc -->";
const END = "<!-- /toc -->";

/** The headings of a Markdown text outside fenced code: `{ level, text, slug }`, slugs made unique. */
export function headings(markdown) {
  const out = [];
  const seen = new Map();
  let fence = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fence = !fence;
    const m = !fence && line.match(/^(#{1,6}) (.+?)\s*$/);
    if (!m) continue;
    const base = slug(m[2]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push({ level: m[1].length, text: m[2], slug: n === 0 ? base : `${base}-${n}` });
  }
  return out;
}

/** GitHub's anchor of a heading (inline code, links and emphasis read as their text). */
export function slug(heading) {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

/** How a heading is named in the contents: a function by its name, anything else as written. */
function label(text) {
  const fn = text.match(/^`(\w+)\(/);
  return fn ? `\`${fn[1]}\`` : text;
}

/** The contents for `markdown`: the list that belongs between the markers. */
export function toc(markdown) {
  const all = headings(markdown);
  const at = all.findIndex((h) => h.level === 2 && h.text === "Contents");
  if (at < 0) throw new Error('README.md has no "## Contents" heading');
  const lines = [];
  for (let i = 0; i < all.length; i++) {
    const h = all[i];
    if (h.level !== 2 || i === at) continue;
    const children = [];
    for (let j = i + 1; j < all.length && all[j].level > 2; j++) {
      if (all[j].level === 3) children.push(`[${label(all[j].text)}](#${all[j].slug})`);
    }
    lines.push(`- [${label(h.text)}](#${h.slug})${children.length ? `: ${children.join(" · ")}` : ""}`);
  }
  return lines.join("\n");
}

/** `markdown` with its contents list replaced by the one its headings give. */
export function withToc(markdown) {
  const s = markdown.indexOf(START);
  const e = markdown.indexOf(END);
  if (s < 0 || e < s) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${markdown.slice(0, s + START.length)}\n${toc(markdown)}\n${markdown.slice(e)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const markdown = readFileSync(README, "utf8");
  const next = withToc(markdown);
  if (process.argv.includes("--check")) {
    if (next !== markdown) {
      console.error("README.md: the contents are out of date: run node scripts/readme-toc.mjs");
      process.exit(1);
    }
  } else if (next !== markdown) {
    writeFileSync(README, next);
    console.log("README.md: contents updated");
  }
}
