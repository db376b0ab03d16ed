#!/usr/bin/env node
import { exitWhenFlushed, runWct } from "../dist/main.js";

exitWhenFlushed(await runWct(process.argv.slice(2)));
