// The optional static file server (the demo page): URL prefixes mapped to directories.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { isPlainObject, quote, safeDecode, errorAnswer } from "./util.mjs";
import { buildHeaders, logLine, send, drain } from "./io.mjs";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "application/typescript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Normalise opts.static into [{ prefix, dir }], longest prefix first. */
export function normalizeStatic(map) {
  if (map === undefined || map === null) return [];
  if (!isPlainObject(map)) throw new TypeError("opts.static must be an object mapping URL prefixes to directories");
  return Object.entries(map)
    .map(([prefix, dir]) => {
      if (!prefix.startsWith("/")) throw new TypeError(`static prefix ${quote(prefix)} must start with "/"`);
      if (typeof dir !== "string" || dir === "") throw new TypeError(`static directory for ${quote(prefix)} must be a path`);
      return { prefix: prefix.replace(/\/+$/, ""), dir: path.resolve(dir) };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
}

/** The static mount serving `pathname`, with the rest of the path, or null. */
export function matchStatic(mounts, pathname) {
  for (const { prefix, dir } of mounts) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
      return { dir, rest: pathname.slice(prefix.length) };
    }
  }
  return null;
}

/** Resolve a URL path inside `dir`; null if it is malformed or escapes `dir`. */
function resolveInside(dir, rest) {
  const segments = rest.split("/").filter((s) => s !== "");
  const decoded = [];
  for (const raw of segments) {
    const segment = safeDecode(raw);
    if (segment === null || segment === "." || segment === ".." || /[\\/\0]/.test(segment)) return null;
    decoded.push(segment);
  }
  const full = path.resolve(dir, ...decoded);
  return full === dir || full.startsWith(dir + path.sep) ? full : null;
}

/** Find the file to serve (a directory means its index.html). */
async function findFile(full) {
  try {
    let info = await stat(full);
    if (info.isDirectory()) {
      full = path.join(full, "index.html");
      info = await stat(full);
    }
    return info.isFile() ? { full, size: info.size } : null;
  } catch {
    return null;
  }
}

export async function serveStatic(ctx, { dir, rest }) {
  const { req, res } = ctx;
  if (!(await drain(req))) return;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return send(ctx, errorAnswer(405, `Method ${req.method} is not allowed here`, {}, { allow: "GET, HEAD, OPTIONS" }));
  }
  const full = resolveInside(dir, rest);
  const file = full && (await findFile(full));
  if (!file) return send(ctx, errorAnswer(404, "File not found"));
  if (ctx.gone || res.destroyed) return;

  const type = CONTENT_TYPES[path.extname(file.full).toLowerCase()] ?? "application/octet-stream";
  const headers = buildHeaders(ctx, {
    "content-type": type,
    "content-length": String(file.size),
    "cache-control": "no-store",
  });
  logLine(ctx, 200);
  res.writeHead(200, headers);
  if (req.method === "HEAD") return res.end();
  const stream = createReadStream(file.full);
  stream.on("error", () => res.destroy());
  res.on("close", () => stream.destroy());
  stream.pipe(res);
}
