/**
 * The direction of the layers, checked on every import (npm run lint):
 *   lib/aws -> lib/checks -> lib/images -> lib/nodes -> lib/policy -> lib/constructs -> stacks -> cli -> scripts
 * Each layer may use the ones before it, never one after it. config/ (environment files) uses lib/ up to lib/nodes,
 * and stacks/, cli/ and scripts/ use it; lib/ never does. Nothing imports in a cycle; lib/ (the construct library
 * other apps import) reads no files and starts no processes.
 */
const layer = (name, path, mayNotUse) => ({
  name: `${name}-depends-down`,
  comment: `${name} may only use the layers below it`,
  severity: 'error',
  from: { path },
  to: { path: mayNotUse },
});

module.exports = {
  forbidden: [
    { name: 'no-cycles', comment: 'an import cycle', severity: 'error', from: {}, to: { circular: true } },
    layer('lib/aws', '^lib/aws/', '^(lib/(checks|images|nodes|policy|constructs)|config|stacks|cli|scripts)/'),
    layer('lib/checks', '^lib/checks/', '^(lib/(images|nodes|policy|constructs)|config|stacks|cli|scripts)/'),
    layer('lib/images', '^lib/images/', '^(lib/(nodes|policy|constructs)|config|stacks|cli|scripts)/'),
    layer('lib/nodes', '^lib/nodes/', '^(lib/(policy|constructs)|config|stacks|cli|scripts)/'),
    layer('lib/policy', '^lib/policy/', '^(lib/constructs|config|stacks|cli|scripts)/'),
    layer('lib/constructs', '^lib/constructs/', '^(config|stacks|cli|scripts)/'),
    layer('config', '^config/', '^(lib/(policy|constructs)|stacks|cli|scripts)/'),
    layer('stacks', '^stacks/', '^(cli|scripts)/'),
    layer('cli', '^cli/', '^scripts/'),
    {
      name: 'lib-reads-no-files',
      comment: 'lib/ is a library: it reads no files and starts no processes (that is config/, stacks/ and cli/)',
      severity: 'error',
      from: { path: '^lib/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|child_process)$' },
    },
    {
      name: 'no-barrel-provider',
      comment: "@cdktf/provider-aws's barrel import costs about 3 s and 500 MB: import classes by deep path",
      severity: 'error',
      from: {},
      to: { path: '^node_modules/@cdktf/provider-aws/lib/index\\.js$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdktf\\.out|dist|__tests__/recorded)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
