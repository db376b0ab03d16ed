// Native addons (better-sqlite3) build from source with node-gyp, which otherwise
// downloads Node's headers from nodejs.org: unreachable on machines that only reach the
// npm registry. Node ships its headers next to its binary (<prefix>/include/node), so
// point node-gyp there. Since pnpm 11 lifecycle scripts no longer inherit npm_config_*
// variables, and `pnpm run setup` installs (verify-deps-before-run) before the setup
// script even starts, so the setting must live here, where every pnpm install sees it.
const { existsSync } = require("node:fs");
const path = require("node:path");

function nodeHeadersDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.dirname(path.dirname(process.execPath));
  return existsSync(path.join(prefix, "include", "node", "node.h")) ? prefix : undefined;
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const nodedir = nodeHeadersDir();
      if (!nodedir) return config;
      return { ...config, extraEnv: { ...config.extraEnv, npm_config_nodedir: nodedir } };
    },
  },
};
