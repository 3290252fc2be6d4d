/**
 * The GitHub Actions workflow shipped for the project's users: its structure, and that every command it runs
 * exists here (npm scripts, ./bin/ecr-cache commands), so it cannot drift from the code.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../config/environments';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly 'continue-on-error'?: boolean;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly if?: string;
  readonly needs?: string[];
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly strategy?: { matrix: { include: string }; 'max-parallel'?: number };
  readonly steps: Step[];
}

const workflow = parse(readFileSync(join(PROJECT_ROOT, '.github', 'workflows', 'ecr-cache.yml'), 'utf8')) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const scripts = Object.keys((JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts);
const cli = readFileSync(join(PROJECT_ROOT, 'cli', 'main.ts'), 'utf8');
const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? '')).join('\n');

/**
 * The position of the step whose command matches. It must be there: findIndex gives -1 for a step that is gone, which
 * any "comes before" comparison would pass.
 */
function stepIndex(commands: readonly string[], matches: (run: string) => boolean, what: string): number {
  const index = commands.findIndex(matches);
  expect(index, `no step ${what}`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('.github/workflows/ecr-cache.yml', () => {
  const stepRuns = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');
  const uses = (job: Job, action: string) => job.steps.find((step) => step.uses?.startsWith(`${action}@`));

  it('tests on pull requests and on main, with read-only default permissions', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.build.steps.map((step) => step.run).filter(Boolean)).toEqual(
      expect.arrayContaining(['npm ci', 'npm run typecheck', 'scripts/install-container-runtime.sh', 'sudo --preserve-env env "PATH=$PATH" npm test', './bin/ecr-cache check']),
    );
  });

  it('installs and synthesizes once, and hands every stack, the environment list and the CLI bundle on', () => {
    const build = workflow.jobs.build;
    expect(stepRuns(build)).toContain('npm run -s synth\n./bin/ecr-cache list --json > cdktf.out/environments.json');
    const upload = uses(build, 'actions/upload-artifact')!;
    expect(upload.with).toMatchObject({ name: 'synthesized', path: 'cdktf.out/\n.build/\n', 'include-hidden-files': true, 'if-no-files-found': 'error', overwrite: true });
    expect((build as Job & { outputs: Record<string, string> }).outputs).toEqual({ matrix: '${{ steps.synth.outputs.matrix }}' });
    for (const name of ['plan', 'apply']) {
      expect(workflow.jobs[name].needs).toEqual(['build']);
      expect(workflow.jobs[name].strategy!.matrix.include).toBe('${{ fromJSON(needs.build.outputs.matrix) }}');
    }
  });

  it('runs only Terraform and Node.js in plan and apply jobs: no install, no node_modules, the providers cached', () => {
    for (const name of ['plan', 'apply']) {
      const job = workflow.jobs[name] as Job & { env: Record<string, string> };
      expect(stepRuns(job)).not.toMatch(/\bnpm\b|\bnpx\b/);
      expect(uses(job, 'actions/setup-node')!.with).toEqual({ 'node-version': 24 });
      expect(uses(job, 'actions/download-artifact')!.with).toEqual({ name: 'synthesized' });
      expect(job.env.TF_PLUGIN_CACHE_DIR).toBe('${{ github.workspace }}/.terraform-plugin-cache');
      expect(job.env.TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE).toBe('1');
      expect(uses(job, 'actions/cache')!.with).toEqual({
        path: '.terraform-plugin-cache',
        key: "terraform-providers-${{ runner.os }}-${{ runner.arch }}-${{ hashFiles(format('{0}/.terraform.lock.hcl', env.STACK_DIR)) }}",
      });
      // The environments' lock file, read-only: plan and apply install the same provider release.
      expect(stepRuns(job)).toContain('scripts/terraform-init.sh "$STACK_DIR"');
      expect(stepRuns(job)).toContain('node scripts/plan-guard.mjs "$STACK_DIR"');
    }
  });

  it('plans every environment on pull requests with OIDC credentials, and posts the plan', () => {
    const plan = workflow.jobs.plan;
    expect(plan.if).toBe("github.event_name == 'pull_request'");
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
    const credentials = uses(plan, 'aws-actions/configure-aws-credentials')!;
    expect(credentials.with).toEqual({ 'role-to-assume': '${{ fromJSON(vars.ECR_CACHE_ROLES)[matrix.name].plan }}', 'aws-region': '${{ matrix.region }}' });
    expect(stepRuns(plan)).toContain('terraform -chdir="$STACK_DIR" plan -input=false -out=tfplan');
    expect(plan.steps.some((step) => step.uses?.startsWith('actions/github-script@') && String(step.with?.script).includes('createComment'))).toBe(true);
  });

  it('applies on main one environment at a time, behind its GitHub environment, the plan it made once the guard passed it', () => {
    const apply = workflow.jobs.apply;
    expect(apply.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(apply.environment).toBe('${{ matrix.name }}');
    expect(apply.strategy!['max-parallel']).toBe(1);
    expect(apply.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const commands = apply.steps.map((step) => step.run ?? '');
    const planned = stepIndex(commands, (run) => run.includes('plan -input=false -out=tfplan'), 'plans');
    const guarded = stepIndex(commands, (run) => run.includes('node scripts/plan-guard.mjs'), 'runs the production guard');
    const applied = stepIndex(commands, (run) => run.includes('apply -input=false tfplan'), 'applies the plan');
    const validated = stepIndex(commands, (run) => run.includes('./bin/ecr-cache validate --env "${{ matrix.name }}"'), 'validates the rules');
    expect(guarded).toBeGreaterThan(planned);
    expect(applied).toBeGreaterThan(guarded);
    expect(validated).toBeGreaterThan(applied);
    // A CLI that cannot run fails the job before anything is applied; validate itself only reports.
    expect(stepIndex(commands, (run) => run === './bin/ecr-cache check', 'checks that the CLI runs')).toBeLessThan(planned);
  });

  it('warms the cache after apply only when the repository variable names folders of manifests, without blocking', () => {
    const apply = workflow.jobs.apply;
    const commands = apply.steps.map((step) => step.run ?? '');
    const applied = stepIndex(commands, (run) => run.includes('apply -input=false tfplan'), 'applies the plan');
    const warmed = stepIndex(commands, (run) => run.includes('./bin/ecr-cache warm'), 'warms the cache');
    expect(warmed).toBeGreaterThan(applied);
    const step = apply.steps[warmed];
    expect(step.if).toBe("vars.ECR_CACHE_WARM_PATHS != ''");
    expect(step['continue-on-error']).toBe(true);
    expect(step.env).toEqual({ WARM_PATHS: '${{ vars.ECR_CACHE_WARM_PATHS }}' });
    // The variable's words become the paths, each one argument, whatever it holds: bash runs the step as GitHub does.
    const script = step.run!.replaceAll('./bin/ecr-cache warm', 'printf "%s\\n"').replaceAll('${{ matrix.name }}', 'dev');
    const run = spawnSync('bash', ['-e', '-c', script], { cwd: tmpdir(), env: { ...process.env, WARM_PATHS: 'deploy/apps  charts/ingress/values.yaml "$(touch x)"' }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual(['--env', 'dev', 'deploy/apps', 'charts/ingress/values.yaml', '"$(touch', 'x)"']);
  });

  it("fails the order check of the apply job without its CLI step, which findIndex's -1 used to pass", () => {
    const commands = workflow.jobs.apply.steps.map((step) => step.run ?? '').filter((run) => run !== './bin/ecr-cache check');
    expect(() => stepIndex(commands, (run) => run === './bin/ecr-cache check', 'checks that the CLI runs')).toThrow(/no step checks that the CLI runs/);
  });

  it('runs only npm scripts and ecr-cache commands that exist', () => {
    const npmScripts = [...runs.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((match) => match[1]);
    expect(npmScripts.length).toBeGreaterThan(0);
    for (const script of npmScripts) expect(scripts).toContain(script);
    const commands = [...runs.matchAll(/\.\/bin\/ecr-cache (\w+)/g)].map((match) => match[1]);
    expect(new Set(commands)).toEqual(new Set(['check', 'list', 'validate', 'warm']));
    for (const command of commands) expect(cli).toContain(`.command('${command}')`);
  });
});

describe('what a repository of environments commits', () => {
  it("does not ignore the environments' dependency lock file", () => {
    // In a repository of its own holding only the project's .gitignore, so the test runs the same in a copy of
    // the project that is not a git repository (the fork check's). git check-ignore exits 1 for a path no
    // pattern ignores, 0 for one that is ignored.
    const repository = mkdtempSync(join(tmpdir(), 'ecr-cache-gitignore-'));
    try {
      expect(spawnSync('git', ['init', '-q'], { cwd: repository }).status).toBe(0);
      copyFileSync(join(PROJECT_ROOT, '.gitignore'), join(repository, '.gitignore'));
      const checkIgnore = (path: string) => spawnSync('git', ['check-ignore', '--no-index', path], { cwd: repository, encoding: 'utf8' });
      const lockFile = checkIgnore('environments/.terraform.lock.hcl');
      expect(lockFile.stdout).toBe('');
      expect(lockFile.status).toBe(1);
      expect(checkIgnore('cdktf.out/stacks/ecr-cache-dev/.terraform.lock.hcl').status).toBe(0);
    } finally {
      rmSync(repository, { recursive: true, force: true });
    }
  });
});
