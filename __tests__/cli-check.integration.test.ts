import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../config/environments';
import { ecrCache, runTs } from './support/processes';
import { environmentsFolder } from './support/stacks';

const BAD = 'account: "123456789012"\nregion: cn-north-1\nrules:\n  Docker-Hub: { upstream: dockerhub }\n';

describe('./bin/ecr-cache check', () => {
  it('exits 0 on the seed article environments, warning only that their node roles have no access entry yet', () => {
    const run = ecrCache(['check']);
    // The article's files create node roles and name no cluster (nodes.cluster), so their nodes could not join one.
    expect(run.stderr.split('\n').filter((line) => line !== '')).toEqual(
      ['dev', 'prod'].map(
        (name) =>
          `warning: __tests__/fixtures/environments/${name}.yaml: nodes: the node role ecr-cache-${name}-node this stack creates has no EKS access entry, ` +
          'so its nodes cannot join a cluster: set nodes.cluster (the stack then creates an EC2_LINUX entry), or map the role in aws-auth yourself',
      ),
    );
    expect(run.stdout).toBe('ok: 2 environments valid (dev, prod)\n');
    expect(run.status).toBe(0);
  });

  it('checks the folder of ECR_CACHE_ENVIRONMENTS, or of --environments', () => {
    const fromVariable = ecrCache(['check'], { ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, 'examples') });
    expect(fromVariable.stdout).toBe('ok: 1 environment valid (all-upstreams)\n');
    const fromOption = ecrCache(['check', '--environments', 'examples']);
    expect(fromOption.stdout).toBe(fromVariable.stdout);
    expect(fromOption.stderr).toContain('warning: examples/all-upstreams.yaml: rules.ROOT: a ROOT rule covers the whole registry');
  });

  it('rejects a bad file with the same lines synth prints, and exits 1', () => {
    const dir = environmentsFolder({ 'bad.yaml': BAD });
    try {
      const check = ecrCache(['check', 'bad.yaml'], { ECR_CACHE_ENVIRONMENTS: dir }, dir);
      const synth = runTs(join(PROJECT_ROOT, 'main.ts'), [], { ECR_CACHE_ENVIRONMENTS: dir, CDKTF_OUTDIR: join(dir, 'out') }, dir);
      expect(check.status).toBe(1);
      expect(synth.status).toBe(1);
      const lines = [
        'bad.yaml: region: pull-through cache is not available in the China regions ("cn-north-1") (line 2)',
        'bad.yaml: rules.Docker-Hub.upstream: "dockerhub" is not an upstream AWS supports (did you mean "docker-hub"?); ' +
          'one of ecr-public, k8s, quay, docker-hub, github-container-registry, gitlab-container-registry, azure-container-registry, chainguard, ecr (line 4)',
        'bad.yaml: rules.Docker-Hub: "Docker-Hub" is not a valid prefix: use lower-case letters and digits, with a single ".", "_" or "-" ' +
          'between them and "/" between path components (for example "docker-hub" or "team/quay") (line 4)',
      ];
      expect(check.stderr).toBe(`${lines.join('\n')}\n\n3 problems in 1 file\n`);
      expect(synth.stderr).toBe(`${lines.join('\n')}\n`);
      expect(check.stderr + synth.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a file that does not exist', () => {
    const run = ecrCache(['check', 'environments/nope.yaml']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('environments/nope.yaml: no such file\n');
  });

  it('says so when --environments names a file, or ECR_CACHE_ENVIRONMENTS is empty', () => {
    const file = ecrCache(['check', '--environments', 'examples/all-upstreams.yaml']);
    expect([file.status, file.stderr]).toEqual([1, 'examples/all-upstreams.yaml: is a file, not a folder of environment files\n']);
    const empty = ecrCache(['check'], { ECR_CACHE_ENVIRONMENTS: '' });
    expect([empty.status, empty.stderr]).toEqual([
      1,
      'ECR_CACHE_ENVIRONMENTS is set but empty: unset it to use environments/, or set it to a folder of environment files\n',
    ]);
  });

  it.each([[['--help']], [['check', '--help']], [['help', 'check']]])('prints help for %j', (args) => {
    const run = ecrCache(args);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ecr-cache/);
  });

  it('prints its version, and marks --env required in the help of the commands that need it', () => {
    const version = ecrCache(['--version']);
    expect([version.status, version.stdout]).toEqual([0, `${(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`]);
    for (const command of ['image', 'rewrite', 'validate']) {
      expect(ecrCache([command, '--help']).stdout).toMatch(/--env <name>\s+the environment whose .* \(required\)/);
    }
  });

  it('suggests the closest command for a typo', () => {
    const run = ecrCache(['chek']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('(Did you mean check?)');
  });
});

describe('./bin/ecr-cache list', () => {
  it('lists the environments as a table', () => {
    const run = ecrCache(['list']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'NAME  STACK           ACCOUNT       REGION     STATE  CACHE\n' +
        'dev   ecr-cache-dev   111111111111  eu-west-2  local  dev\n' +
        'prod  ecr-cache-prod  222222222222  eu-west-2  local  prod\n',
    );
  });

  it("lists a consumer with its hub's registry and URIs", () => {
    const run = ecrCache(['list', '--json', '--environments', 'examples/organization']);
    const listed = JSON.parse(run.stdout) as { name: string; cache: string; registry: string; registryUris: Record<string, string> }[];
    expect(listed.map((item) => [item.name, item.cache, item.registry])).toEqual([
      ['shared', 'shared', '444444444444.dkr.ecr.eu-west-2.amazonaws.com'],
      ['team-a', 'shared', '444444444444.dkr.ecr.eu-west-2.amazonaws.com'],
      ['team-b', 'shared', '444444444444.dkr.ecr.eu-west-2.amazonaws.com'],
    ]);
    expect(listed[1].registryUris.k8s).toBe('444444444444.dkr.ecr.eu-west-2.amazonaws.com/k8s');
  });

  it('prints the JSON a pipeline builds its matrix from', () => {
    const dir = environmentsFolder({ 'staging.yaml': 'account: "123456789012"\nregion: us-east-1\nstate: { bucket: tf-state }\nrules:\n  quay: { upstream: quay }\n' });
    try {
      const run = ecrCache(['list', '--json'], { ECR_CACHE_ENVIRONMENTS: dir });
      expect(JSON.parse(run.stdout)).toEqual([
        {
          name: 'staging',
          stack: 'ecr-cache-staging',
          account: '123456789012',
          region: 'us-east-1',
          state: 's3',
          cache: 'staging',
          registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
          registryUris: { quay: '123456789012.dkr.ecr.us-east-1.amazonaws.com/quay' },
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('paths given through npm', () => {
  it('resolve against the folder the user typed them in, not the project root (npm sets INIT_CWD)', () => {
    const dir = environmentsFolder({});
    try {
      const run = spawnSync('npm', ['run', '-s', 'synth'], {
        cwd: join(PROJECT_ROOT, 'cli'),
        env: { ...process.env, ECR_CACHE_ENVIRONMENTS: '../examples', CDKTF_OUTDIR: relative(join(PROJECT_ROOT, 'cli'), join(dir, 'out')) },
        encoding: 'utf8',
      });
      expect(run.stderr).toContain(`warning: ${join(PROJECT_ROOT, 'examples', 'all-upstreams.yaml')}: rules.ROOT`);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`wrote ${join(dir, 'out', 'stacks', 'ecr-cache-all-upstreams')}\n`);
      expect(readdirSync(join(dir, 'out', 'stacks'))).toEqual(['ecr-cache-all-upstreams']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
