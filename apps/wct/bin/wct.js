#!/usr/bin/env node
import { runWct } from "../dist/main.js";

process.exit(await runWct(process.argv.slice(2)));
