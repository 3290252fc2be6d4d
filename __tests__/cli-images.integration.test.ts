import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment, PROJECT_ROOT } from '../config/environments';
import { cacheImageUri } from '../lib/images/cache-uri';
import { rewriteImages } from '../lib/images/manifest-rewrite';
import { ecrCache } from './support/processes';

const C = '111111111111.dkr.ecr.eu-west-2.amazonaws.com';

describe('./bin/ecr-cache image', () => {
  it('prints one cache URI per reference, in order', () => {
    const run = ecrCache(['image', '--env', 'dev', 'quay.io/a/b:1', 'nginx', 'ghcr.io/c/d@sha256:' + 'f'.repeat(64)]);
    expect(run.stdout).toBe(`${C}/quay/a/b:1\n${C}/docker-hub/library/nginx\n${C}/github/c/d@sha256:${'f'.repeat(64)}\n`);
    expect(run.status).toBe(0);
  });

  it('fails, printing no URI, when a reference has no rule or does not parse, naming it and the reason', () => {
    const run = ecrCache(['image', '--env', 'dev', 'nginx', 'mcr.microsoft.com/dotnet/runtime:8.0', 'nginx:']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'mcr.microsoft.com/dotnet/runtime:8.0: no rule in environment dev pulls through from mcr.microsoft.com\n' +
        'nginx:: not a valid image reference: invalid reference format\n',
    );
  });

  it('takes the environment from --environments or ECR_CACHE_ENVIRONMENTS', () => {
    const expected = '333333333333.dkr.ecr.eu-west-2.amazonaws.com/docker-hub/library/nginx\n';
    expect(ecrCache(['image', '--env', 'all-upstreams', '--environments', 'examples', 'nginx']).stdout).toBe(expected);
    expect(ecrCache(['image', '--env', 'all-upstreams', 'nginx'], { ECR_CACHE_ENVIRONMENTS: join(PROJECT_ROOT, 'examples') }).stdout).toBe(expected);
  });

  it("maps a consumer's images to its hub's cache", () => {
    const run = ecrCache(['image', '--env', 'team-a', '--environments', 'examples/organization', 'nginx:1.27', 'quay.io/a/b']);
    expect(run.stdout).toBe('444444444444.dkr.ecr.eu-west-2.amazonaws.com/docker-hub/library/nginx:1.27\n444444444444.dkr.ecr.eu-west-2.amazonaws.com/quay/a/b\n');
    expect(run.status).toBe(0);
  });

  it('names an environment that does not exist', () => {
    const run = ecrCache(['image', '--env', 'staging', 'nginx']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('__tests__/fixtures/environments: has no environment "staging" (it has dev, prod)\n');
  });

  it('requires --env', () => {
    const run = ecrCache(['image', 'nginx']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("required option '--env <name>' not specified");
  });
});

describe('./bin/ecr-cache rewrite', () => {
  const manifest = '# app\nkind: Pod\napiVersion: v1\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27  # pinned\n  - name: b\n    image: mcr.microsoft.com/x:1\n';
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecr-cache-rewrite-'));
    mkdirSync(join(dir, 'apps', '.git'), { recursive: true });
    writeFileSync(join(dir, 'apps', 'pod.yaml'), manifest);
    writeFileSync(join(dir, 'apps', '.git', 'ignored.yaml'), manifest);
    writeFileSync(join(dir, 'apps', 'notes.txt'), 'image: nginx\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rewrites the YAML files of a folder in place, lists what it left, and prints a summary', () => {
    const run = ecrCache(['rewrite', '--env', 'dev', 'apps'], {}, dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'rewrote apps/pod.yaml:\n' +
        `  line 7: nginx:1.27 -> ${C}/docker-hub/library/nginx:1.27\n` +
        'left as they are:\n' +
        '  apps/pod.yaml:9: mcr.microsoft.com/x:1: no rule in environment dev pulls through from mcr.microsoft.com\n' +
        '1 image in 1 file rewritten, 1 left as it is\n',
    );
    expect(readFileSync(join(dir, 'apps', 'pod.yaml'), 'utf8')).toBe(manifest.replace('nginx:1.27', `${C}/docker-hub/library/nginx:1.27`));
    expect(readFileSync(join(dir, 'apps', '.git', 'ignored.yaml'), 'utf8')).toBe(manifest);

    const again = ecrCache(['rewrite', '--env', 'dev', '--check', 'apps'], {}, dir);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 images in 0 files to rewrite, 1 left as it is');
  });

  it('--check writes nothing and exits 1 when something would change', () => {
    const run = ecrCache(['rewrite', '--env', 'dev', '--check', 'apps/pod.yaml'], {}, dir);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('would rewrite apps/pod.yaml:');
    expect(readFileSync(join(dir, 'apps', 'pod.yaml'), 'utf8')).toBe(manifest);
  });

  it('--dry-run prints a diff and writes nothing', () => {
    const run = ecrCache(['rewrite', '--env', 'dev', '--dry-run', 'apps/pod.yaml'], {}, dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`-    image: nginx:1.27  # pinned\n+    image: ${C}/docker-hub/library/nginx:1.27  # pinned\n`);
    expect(readFileSync(join(dir, 'apps', 'pod.yaml'), 'utf8')).toBe(manifest);
  });

  it("skips a Helm chart's templates folder, saying so, and rewrites its values", () => {
    mkdirSync(join(dir, 'chart', 'templates'), { recursive: true });
    writeFileSync(join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
    writeFileSync(join(dir, 'chart', 'values.yaml'), 'image:\n  repository: nginx\n  tag: "1.27"\n');
    writeFileSync(join(dir, 'chart', 'templates', 'deployment.yaml'), 'kind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n');
    const run = ecrCache(['rewrite', '--env', 'dev', 'chart'], {}, dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'rewrote chart/values.yaml:\n' +
        `  line 2: nginx -> ${C}/docker-hub/library/nginx\n` +
        "skipped chart/templates: Helm templates are not YAML until rendered; rewrite the chart's values instead\n" +
        '1 image in 1 file rewritten, 0 left as they are\n',
    );
  });

  it('--exclude leaves out what its globs match, and says how many', () => {
    mkdirSync(join(dir, 'apps', 'vendor'));
    writeFileSync(join(dir, 'apps', 'vendor', 'third-party.yaml'), manifest);
    // Repeated, and followed by the paths with no `--`: each --exclude takes one glob.
    const run = ecrCache(['rewrite', '--env', 'dev', '--check', '--exclude', 'apps/vendor/**', '--exclude', 'apps/*.bak', 'apps'], {}, dir);
    expect(run.stdout).toContain('would rewrite apps/pod.yaml:');
    expect(run.stdout).not.toContain('third-party');
    expect(run.stdout).toMatch(/1 image in 1 file to rewrite, 1 left as it is, 1 path excluded\n$/);
  });

  it('--strict exits 1 when an image has no rule, naming how many', () => {
    const run = ecrCache(['rewrite', '--env', 'dev', '--strict', 'apps'], {}, dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('--strict: 1 image without a rule in environment dev\n');
    writeFileSync(join(dir, 'apps', 'pod.yaml'), manifest.replace('mcr.microsoft.com/x:1', 'quay.io/x:1'));
    expect(ecrCache(['rewrite', '--env', 'dev', '--strict', 'apps'], {}, dir).status).toBe(0);
  });

  it('names a file that is not UTF-8 text, such as random bytes, with its line, and exits 1', () => {
    writeFileSync(join(dir, 'apps', 'random.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0x62, 0x0a, 0x8f, 0xfe, 0x00, 0x41]));
    const run = ecrCache(['rewrite', '--env', 'dev', 'apps'], {}, dir);
    expect(run.stderr).toBe('apps/random.yaml: not UTF-8 text, so not YAML (line 2): leave it out with --exclude, or save it as UTF-8\n');
    expect(run.status).toBe(1);
  });

  it('names the line of bytes that are not UTF-8 past the first piece read, a sequence cut between pieces before them, and writes nothing', () => {
    // Pieces are 1 MiB: a 3-byte character is cut at the first boundary, the bad byte comes after it.
    const line = 'kind: Pod\nspec: {}\n---\n';
    const lines = Math.floor((1 << 20) / line.length);
    const before = Buffer.from(line.repeat(lines) + 'x'.repeat((1 << 20) - lines * line.length - 1), 'utf8');
    const bytes = Buffer.concat([before, Buffer.from('€\nimage: nginx\n', 'utf8'), Buffer.from([0x62, 0xff, 0x0a])]);
    writeFileSync(join(dir, 'apps', 'big.yaml'), bytes);
    const run = ecrCache(['rewrite', '--env', 'dev', 'apps/big.yaml'], {}, dir);
    expect(run.stderr).toBe(`apps/big.yaml: not UTF-8 text, so not YAML (line ${lines * 3 + 3}): leave it out with --exclude, or save it as UTF-8\n`);
    expect(run.status).toBe(1);
    expect(readFileSync(join(dir, 'apps', 'big.yaml')).equals(bytes)).toBe(true);
    expect(readdirSync(join(dir, 'apps')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it("says that only a chart's templates/ folder is left out, and names a templates/ file outside a chart as a template", () => {
    expect(ecrCache(['rewrite', '--help']).stdout.replace(/\s+/g, ' ')).toContain(
      "repeat for more; a Helm chart's templates/ folder (beside its Chart.yaml) is left out",
    );
    mkdirSync(join(dir, 'loose', 'templates'), { recursive: true });
    writeFileSync(join(dir, 'loose', 'templates', 'deployment.yaml'), 'kind: Deployment\nspec:\n{{- if .Values.x }}\n  replicas: 2\n{{- end }}\n');
    const run = ecrCache(['rewrite', '--env', 'dev', 'loose'], {}, dir);
    expect(run.stderr).toMatch(/^loose\/templates\/deployment\.yaml: not valid YAML: .* \(line 3\); it holds Go template actions \(\{\{ \}\}\), as a Helm chart's templates\/ do: rewrite the chart's values instead, or leave it out with --exclude\n$/);
    expect(run.status).toBe(1);
  });

  it('names a file that is not valid YAML and exits 1', () => {
    writeFileSync(join(dir, 'apps', 'broken.yaml'), 'a: [1,\n');
    const run = ecrCache(['rewrite', '--env', 'dev', 'apps'], {}, dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^apps\/broken\.yaml: not valid YAML: .*\(line \d+\)\n$/);
  });

  describe('a file larger than one read', () => {
    const dev = loadEnvironment('dev', join(PROJECT_ROOT, '__tests__', 'fixtures', 'environments'));
    // Over a MiB of comments (with a two-byte character across the first read's end), then workloads.
    const comments = Array.from({ length: 12_000 }, (_, index) => `# ${'é'.repeat(index % 7)} note ${index} ${'x'.repeat(80)}\n`).join('');
    const workloads = Array.from({ length: 40 }, (_, index) => `---\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx:1.${index}\n`).join('');
    const big = comments + workloads;

    it('rewrites it as a whole string would be, keeping its mode, through a symbolic link', () => {
      expect(Buffer.byteLength(comments)).toBeGreaterThan(1 << 20);
      writeFileSync(join(dir, 'big.yaml'), big);
      chmodSync(join(dir, 'big.yaml'), 0o640);
      symlinkSync(join(dir, 'big.yaml'), join(dir, 'link.yaml'));
      const run = ecrCache(['rewrite', '--env', 'dev', 'link.yaml'], {}, dir);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^rewrote link\.yaml:\n {2}line 12006: nginx:1\.0 -> /);
      expect(run.stdout).toMatch(/\n40 images in 1 file rewritten, 0 left as they are\n$/);
      expect(readFileSync(join(dir, 'big.yaml'), 'utf8')).toBe(rewriteImages(big, (reference) => cacheImageUri(dev, reference)).text);
      expect(statSync(join(dir, 'big.yaml')).mode & 0o777).toBe(0o640);
      expect(lstatSync(join(dir, 'link.yaml')).isSymbolicLink()).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['apps', 'big.yaml', 'link.yaml']);
    });

    it('writes nothing, and reports none of its images, when a document far down is not valid YAML', () => {
      writeFileSync(join(dir, 'big.yaml'), `${big}---\na: [1,\nb: 2\n`);
      const run = ecrCache(['rewrite', '--env', 'dev', 'big.yaml'], {}, dir);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^big\.yaml: not valid YAML: .*\(line 12243\)\n$/);
      expect(run.stdout).toBe('0 images in 0 files rewritten, 0 left as they are\n');
      expect(readFileSync(join(dir, 'big.yaml'), 'utf8')).toBe(`${big}---\na: [1,\nb: 2\n`);
      expect(readdirSync(dir).sort()).toEqual(['apps', 'big.yaml']);
    });
  });
});
