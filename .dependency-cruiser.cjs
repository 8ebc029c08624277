// Enforces the layer direction of DESIGN.md:
//   common ← sdk ← core ← { store, connections, logs, executors, config } ← { scheduler, runtime } ← { api, cli }
//   providers/* → sdk, common (+ connections, logs ports)
// A layer imports only layers to its left; siblings do not import each other. See docs/adr/0001-layers.md.
const L = (name) => `^src/${name}/`;
const layer = (name, forbidden) => ({
  name: `${name}-imports-only-left`,
  comment: `src/${name} may not import ${forbidden.join(', ')}`,
  severity: 'error',
  from: { path: L(name) },
  to: { path: `^src/(${forbidden.join('|')})/` },
});
const RIGHT_OF_CORE = ['store', 'connections', 'logs', 'executors', 'config', 'scheduler', 'runtime', 'api', 'cli', 'providers'];
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('common', ['sdk', 'core', ...RIGHT_OF_CORE]),
    layer('sdk', ['core', ...RIGHT_OF_CORE]),
    layer('core', RIGHT_OF_CORE),
    layer('store', ['connections', 'logs', 'executors', 'config', 'scheduler', 'runtime', 'api', 'cli', 'providers']),
    layer('connections', ['store', 'logs', 'executors', 'config', 'scheduler', 'runtime', 'api', 'cli', 'providers']),
    layer('logs', ['store', 'connections', 'executors', 'config', 'scheduler', 'runtime', 'api', 'cli', 'providers']),
    layer('executors', ['store', 'connections', 'logs', 'config', 'scheduler', 'runtime', 'api', 'cli', 'providers']),
    layer('config', ['store', 'connections', 'logs', 'executors', 'scheduler', 'runtime', 'api', 'cli', 'providers']),
    layer('scheduler', ['runtime', 'api', 'cli', 'providers']),
    layer('runtime', ['scheduler', 'executors', 'store', 'api', 'cli']),
    layer('api', ['cli']),
    layer('providers', ['core', 'store', 'executors', 'config', 'scheduler', 'runtime', 'api', 'cli']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$|src/store/conformance\\.ts$|src/executors/conformance\\.ts$|src/sdk/testing\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
