#!/usr/bin/env node
// The binary runs the bundle of dist/main.js (scripts/bundle.mjs): one file set to load
// instead of ~380 modules. WCT_DEBUG=1 prints stack traces; the bundle's source maps
// make them name the packages' own files and lines.
if (process.env.WCT_DEBUG === "1") process.setSourceMapsEnabled(true);
const { exitWhenFlushed, runWct } = await import("../dist/bundle/main.js");

exitWhenFlushed(await runWct(process.argv.slice(2)));
