import { cacheImageUri } from '../lib/images/cache-uri';
import { loadEnvironment } from '../config/environments';
import { ImageRewriter, type PulledImage, rewriteImages, type RewriteSink, YamlRewriteError } from '../lib/images/manifest-rewrite';
import { FIXTURE_ENVIRONMENTS } from './support/stacks';

const dev = loadEnvironment('dev', FIXTURE_ENVIRONMENTS);
const toCache = (reference: string) => cacheImageUri(dev, reference);
const C = '111111111111.dkr.ecr.eu-west-2.amazonaws.com';

const MANIFESTS = `# Workloads of the nats team.  Two spaces after the dot, kept.
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: "ghcr.io/acme/migrate:v3"   # double-quoted stays double-quoted
      containers:
        # the main container
        - name: web
          image: nginx:1.27
        - {name: sidecar, image: 'quay.io/prometheus/statsd-exporter:v0.26.0'}
        - name: private
          image: mcr.microsoft.com/dotnet/runtime:8.0   # no rule: left and listed
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: cleanup
            image: bitnami/kubectl:1.30
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers: [{name: app, image: "registry.k8s.io/pause:3.9"}]
  ephemeralContainers:
  - name: shell
    image: busybox@sha256:${'ab'.repeat(32)}
---
# Not a workload: its image key is data and stays.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  image: nginx:1.27
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: nats
spec:
  chart:
    spec: {chart: nats, version: "1.1.12"}
  values:
    container:
      image:
        registry: docker.io        # the article's shape
        repository: nats
        tag: 2.10.12-alpine
    reloader:
      image:
        registry: docker.io
        repository: natsio/nats-server-config-reloader
    natsBox:
      image:
        repository: natsio/nats-box   # a repository that holds a whole reference
        tag: 0.14.3
        pullPolicy: IfNotPresent
`;

const EXPECTED = `# Workloads of the nats team.  Two spaces after the dot, kept.
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing comment
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: "${C}/github/acme/migrate:v3"   # double-quoted stays double-quoted
      containers:
        # the main container
        - name: web
          image: ${C}/docker-hub/library/nginx:1.27
        - {name: sidecar, image: '${C}/quay/prometheus/statsd-exporter:v0.26.0'}
        - name: private
          image: mcr.microsoft.com/dotnet/runtime:8.0   # no rule: left and listed
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: cleanup
            image: ${C}/docker-hub/bitnami/kubectl:1.30
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers: [{name: app, image: "${C}/k8s/pause:3.9"}]
  ephemeralContainers:
  - name: shell
    image: ${C}/docker-hub/library/busybox@sha256:${'ab'.repeat(32)}
---
# Not a workload: its image key is data and stays.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  image: nginx:1.27
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: nats
spec:
  chart:
    spec: {chart: nats, version: "1.1.12"}
  values:
    container:
      image:
        registry: ${C}/docker-hub/library        # the article's shape
        repository: nats
        tag: 2.10.12-alpine
    reloader:
      image:
        registry: ${C}/docker-hub
        repository: natsio/nats-server-config-reloader
    natsBox:
      image:
        repository: ${C}/docker-hub/natsio/nats-box   # a repository that holds a whole reference
        tag: 0.14.3
        pullPolicy: IfNotPresent
`;

const comments = (text: string) => text.split('\n').map((line) => /#.*$/.exec(line)?.[0]).filter(Boolean);

describe('rewriting a multi-document manifest', () => {
  const result = rewriteImages(MANIFESTS, toCache);

  it('rewrites every workload container and the HelmRelease values, and nothing else', () => {
    expect(result.text).toBe(EXPECTED);
  });

  it('keeps every comment byte for byte', () => {
    expect(comments(result.text)).toEqual(comments(MANIFESTS));
    expect(comments(MANIFESTS)).toHaveLength(8);
  });

  it('reports each change by line, and lists the reference without a rule', () => {
    expect(result.changes.map((change) => [change.line, change.from])).toEqual([
      [12, 'ghcr.io/acme/migrate:v3'],
      [16, 'nginx:1.27'],
      [17, 'quay.io/prometheus/statsd-exporter:v0.26.0'],
      [32, 'bitnami/kubectl:1.30'],
      [39, 'registry.k8s.io/pause:3.9'],
      [42, `busybox@sha256:${'ab'.repeat(32)}`],
      [62, 'docker.io/nats'],
      [67, 'docker.io/natsio/nats-server-config-reloader'],
      [71, 'natsio/nats-box'],
    ]);
    expect(result.unmapped).toEqual([
      { line: 19, reference: 'mcr.microsoft.com/dotnet/runtime:8.0', reason: 'no rule in environment dev pulls through from mcr.microsoft.com', noRule: true },
    ]);
  });

  it('changes nothing the second time', () => {
    const again = rewriteImages(result.text, toCache);
    expect(again.text).toBe(result.text);
    expect(again.changes).toEqual([]);
  });
});

describe('rewriting Helm values files', () => {
  it('rewrites the image maps and image strings of a values file, wherever they are', () => {
    const values = `controller:
  image:
    registry: registry.k8s.io
    image: ingress-nginx/controller   # ingress-nginx names the repository "image"
    tag: v1.10.0
defaultBackend:
  image:
    repository: ghcr.io/acme/backend
    tag: "1.0"
sidecar:
  image: docker.io/library/alpine:3.20
`;
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(`controller:
  image:
    registry: ${C}/k8s
    image: ingress-nginx/controller   # ingress-nginx names the repository "image"
    tag: v1.10.0
defaultBackend:
  image:
    repository: ${C}/github/acme/backend
    tag: "1.0"
sidecar:
  image: ${C}/docker-hub/library/alpine:3.20
`);
  });

  it('splits registry and repository when the repository cannot stay', () => {
    const environment = { ...dev, rules: [{ prefix: 'us', upstream: 'ecr' as const, registry: '999999999999.dkr.ecr.us-east-1.amazonaws.com', upstreamPrefix: 'platform' }] };
    const values = 'image:\n  registry: 999999999999.dkr.ecr.us-east-1.amazonaws.com\n  repository: platform/api\n  tag: "1"\n';
    expect(rewriteImages(values, (reference) => cacheImageUri(environment, reference)).text).toBe(`image:\n  registry: ${C}\n  repository: us/api\n  tag: "1"\n`);
  });

  it('refuses YAML that does not parse, naming the line', () => {
    expect(() => rewriteImages('a: [1,\nb: 2\n', toCache)).toThrow(YamlRewriteError);
    // What follows a `...` end marker is checked as the Composer checks it, though the marker is not passed on.
    expect(() => rewriteImages('a: 1\n... x\n', toCache)).toThrow(/^not valid YAML: Unexpected scalar at node end \(line 2\)$/);
    expect(rewriteImages('kind: Pod\n... # done\n---\nkind: Pod\n', toCache).text).toBe('kind: Pod\n... # done\n---\nkind: Pod\n');
    expect(() => rewriteImages('a: [1,\nb: 2\n', toCache)).toThrow(/^not valid YAML: [^\n]*[^:] \(line 2\)$/);
  });

  it('refuses a text YAML does not allow, such as control characters, naming the line', () => {
    expect(() => rewriteImages('kind: Pod\nspec:\n  x: a\u0001b\n', toCache)).toThrow(
      new YamlRewriteError('not valid YAML: holds the control character U+0001, which YAML does not allow (line 3)'),
    );
  });

  it('says a file that does not parse and holds {{ }} looks like a Go template, and what to do', () => {
    const template = 'kind: Deployment\nspec:\n  replicas: 1\n{{- if .Values.extra }}\n  paused: true\n{{- end }}\n';
    expect(() => rewriteImages(template, toCache)).toThrow(
      /^not valid YAML: .* \(line \d+\); it holds Go template actions \(\{\{ \}\}\), as a Helm chart's templates\/ do: rewrite the chart's values instead, or leave it out with --exclude$/,
    );
  });
});

describe('the kinds beyond the workloads', () => {
  it('rewrites an Argo Rollout and a PodTemplate like a Deployment', () => {
    const source = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: PodTemplate
template:
  spec:
    initContainers: [{name: init, image: busybox:1.36}]
`;
    const result = rewriteImages(source, toCache);
    expect(result.changes.map((change) => [change.line, change.to])).toEqual([
      [8, `${C}/docker-hub/library/nginx:1.27`],
      [14, `${C}/docker-hub/library/busybox:1.36`],
    ]);
    expect(result.text).toContain(`    initContainers: [{name: init, image: ${C}/docker-hub/library/busybox:1.36}]\n`);
  });

  it("gives a Kustomize image without newName one, in the entry's own style, and maps a newName", () => {
    const source = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
images:
- name: nginx     # the official image
  newTag: "1.27"
- {name: quay.io/prometheus/node-exporter, newTag: v1.8.0}
- name: app
  newName: ghcr.io/acme/app
  newTag: v2
- name: mcr.microsoft.com/dotnet/runtime
`;
    const result = rewriteImages(source, toCache);
    expect(result.text).toBe(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deployment.yaml]
images:
- name: nginx     # the official image
  newName: ${C}/docker-hub/library/nginx
  newTag: "1.27"
- {name: quay.io/prometheus/node-exporter, newName: ${C}/quay/prometheus/node-exporter, newTag: v1.8.0}
- name: app
  newName: ${C}/github/acme/app
  newTag: v2
- name: mcr.microsoft.com/dotnet/runtime
`);
    expect(result.unmapped.map((image) => [image.line, image.reference, image.noRule])).toEqual([[11, 'mcr.microsoft.com/dotnet/runtime', true]]);
    // A second run changes nothing: the names now have a newName in the cache.
    expect(rewriteImages(result.text, toCache).text).toBe(result.text);
  });

  it("reads a kustomization.yaml without kind, and a Flux Kustomization's spec.images", () => {
    expect(rewriteImages('resources: [a.yaml]\nimages:\n  - name: nginx\n', toCache).text).toBe(
      `resources: [a.yaml]\nimages:\n  - name: nginx\n    newName: ${C}/docker-hub/library/nginx\n`,
    );
    const flux = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  images:\n  - name: ghcr.io/acme/api\n    newTag: v1\n';
    expect(rewriteImages(flux, toCache).changes.map((change) => change.to)).toEqual([`${C}/github/acme/api`]);
  });

  it("rewrites an Argo CD Application's helm.valuesObject, and reports the images of a helm.values string", () => {
    const source = `apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  sources:
  - chart: nats
    helm:
      valuesObject:
        container:
          image: {registry: docker.io, repository: nats, tag: 2.10.12-alpine}
  - chart: other
    helm:
      values: |
        image:
          repository: ghcr.io/acme/other
          tag: v1
`;
    const result = rewriteImages(source, toCache);
    expect(result.changes.map((change) => change.to)).toEqual([`${C}/docker-hub/library/nats`]);
    expect(result.unmapped).toEqual([
      {
        line: 14,
        reference: 'ghcr.io/acme/other',
        reason: 'Argo CD helm.values is a string rewrite does not edit: move the values to helm.valuesObject',
        noRule: false,
      },
    ]);
  });

  it('reports, and leaves, the images of kinds it does not read and of block scalars, saying whether a rule would serve them', () => {
    const source = `apiVersion: serving.knative.dev/v1
kind: Service
spec:
  template:
    spec:
      containers:
      - image: ghcr.io/acme/fn:v1
      - image: mcr.microsoft.com/x:1
---
kind: Pod
apiVersion: v1
spec:
  containers:
  - name: a
    image: >-
      nginx:1.27
---
kind: ConfigMap
apiVersion: v1
data: {image: nginx}
`;
    const result = rewriteImages(source, toCache);
    expect(result.text).toBe(source);
    expect(result.unmapped.map((image) => [image.line, image.reason, image.noRule])).toEqual([
      [7, `kind Service is not one rewrite reads (the cache would serve it as ${C}/github/acme/fn:v1)`, false],
      [8, 'kind Service is not one rewrite reads (and no rule in environment dev pulls through from mcr.microsoft.com)', true],
      [15, `a block scalar (| or >) is left as written (the cache would serve it as ${C}/docker-hub/library/nginx:1.27)`, false],
    ]);
  });
});

/** A sink that keeps what it is given, in order. */
function collect(): RewriteSink & { text: () => string; changed: string[]; left: number[] } {
  const pieces: string[] = [];
  const changed: string[] = [];
  const left: number[] = [];
  return {
    write: (text) => pieces.push(text),
    change: (change) => changed.push(`${change.line}: ${change.to}`),
    unmapped: (image) => left.push(image.line),
    text: () => pieces.join(''),
    changed,
    left,
  };
}

describe('rewriting a stream document by document', () => {
  /** Directives, end markers, comments between documents, block and multi-line scalars, flow maps over lines, CRLF. */
  const AWKWARD = [
    '%YAML 1.2\n---\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n...\n# between\n---\n',
    'kind: Pod\nmetadata:\n  annotations:\n    note: |\n      ---\n      image: nginx\n    other: "a\n      b"\n',
    'spec: {containers: [{name: b,\n  image: "quay.io/a/b"}]}\n...\n---\r\nimage:\r\n  repository: ghcr.io/a/b\r\n  tag: "1"\r\n',
  ].join('');

  it('gives the same text, changes and lines wherever the stream is cut into pieces', () => {
    for (const stream of [MANIFESTS, AWKWARD]) {
      const whole = rewriteImages(stream, toCache);
      expect(whole.changes.length).toBeGreaterThan(2);
      // In pieces of 1, 7 and 64, and the awkward stream in two at each line's start and just after it (the parser is
      // given whole lines).
      const lineStarts = stream === AWKWARD ? [0, ...[...stream.matchAll(/\n/g)].map((match) => match.index + 1)] : [];
      const cuts = [
        ...lineStarts.flatMap((at) => [[at], [at + 1]]),
        ...[1, 7, 64].map((size) => Array.from({ length: Math.ceil(stream.length / size) }, (_, index) => index * size)),
      ];
      for (const cut of cuts) {
        const sink = collect();
        const rewriter = new ImageRewriter(toCache, sink);
        [...cut, stream.length].reduce((from, to) => (rewriter.push(stream.slice(from, to)), to), 0);
        rewriter.end();
        expect(sink.text()).toBe(whole.text);
        expect(sink.changed).toEqual(whole.changes.map((change) => `${change.line}: ${change.to}`));
        expect(sink.left).toEqual(whole.unmapped.map((image) => image.line));
      }
    }
  });

  it('writes each document out before the end of the stream, once the next one has begun', () => {
    const sink = collect();
    const rewriter = new ImageRewriter(toCache, sink);
    rewriter.push('kind: Pod\nspec:\n  containers: [{name: a, image: nginx}]\n---\nkind: Pod\n');
    expect(sink.text()).toBe(`kind: Pod\nspec:\n  containers: [{name: a, image: ${C}/docker-hub/library/nginx}]\n`);
    expect(sink.changed).toEqual([`3: ${C}/docker-hub/library/nginx`]);
    rewriter.push('spec:\n  containers: [{name: b, image: quay.io/a/b}]\n');
    rewriter.end();
    expect(sink.text()).toBe(`kind: Pod\nspec:\n  containers: [{name: a, image: ${C}/docker-hub/library/nginx}]\n---\nkind: Pod\nspec:\n  containers: [{name: b, image: ${C}/quay/a/b}]\n`);
    expect(sink.changed).toEqual([`3: ${C}/docker-hub/library/nginx`, `7: ${C}/quay/a/b`]);
  });

  it('holds one document and the piece being read, not the stream', () => {
    const note = 'n'.repeat(1000);
    const document = (index: number) => `---\nkind: Deployment\nmetadata: {annotations: {note: ${note}}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx:1.${index}\n`;
    const rewriter = new ImageRewriter(toCache, { write: () => undefined, change: () => undefined, unmapped: () => undefined });
    let pushed = 0;
    let mostHeld = 0;
    for (let index = 0; index < 300; index++) {
      const text = document(index);
      rewriter.push(text);
      pushed += text.length;
      mostHeld = Math.max(mostHeld, rewriter.held);
    }
    rewriter.end();
    expect(pushed).toBeGreaterThan(300_000);
    // What is let go is let go in batches of 64 KiB, so that much and a document is the most it holds.
    expect(mostHeld).toBeLessThan(70_000);
  });

  it('names the line of an invalid document after many valid ones', () => {
    const valid = 'kind: Pod\nspec: {}\n---\n'.repeat(5000);
    expect(() => rewriteImages(`${valid}a: [1,\nb: 2\n`, toCache)).toThrow(/\(line 15002\)/);
  });

  it('names the line of a control character, and the Go template actions, wherever the stream is cut into pieces', () => {
    const push = (stream: string, size: number) => () => {
      const rewriter = new ImageRewriter(toCache, collect());
      for (let at = 0; at < stream.length; at += size) rewriter.push(stream.slice(at, at + size));
      rewriter.end();
    };
    const valid = 'kind: Pod\nspec: {}\n---\n'.repeat(100);
    const template = 'kind: Deployment\nspec:\n  replicas: 1\n{{- if .Values.extra }}\n  paused: true\n{{- end }}\n';
    for (const size of [1, 2, 7, 64]) {
      expect(push(`${valid}kind: Pod\nspec:\n  x: a\u0001b\n`, size)).toThrow(
        new YamlRewriteError('not valid YAML: holds the control character U+0001, which YAML does not allow (line 303)'),
      );
      // A pair of surrogates cut between two pieces is one character YAML allows.
      expect(() => push(`${valid}note: "\u{1F600}"\n`, size)()).not.toThrow();
      expect(push(`${valid}${template}`, size)).toThrow(/ \(line 304\); it holds Go template actions \(\{\{ \}\}\)/);
    }
    expect(push('note: "\ud83d', 100)).toThrow(/holds the control character U\+D83D, which YAML does not allow \(line 1\)/);
  });
});

describe('the images that pull through the cache (what warm warms)', () => {
  const pulled = (text: string) => {
    const found: PulledImage[] = [];
    const rewriter = new ImageRewriter(toCache, { write: () => {}, change: () => {}, unmapped: () => {}, pulled: (image) => found.push(image) });
    rewriter.push(text);
    rewriter.end();
    return found;
  };
  const DIGEST = `sha256:${'ab'.repeat(32)}`;

  it('reports each image with its version, whether rewrite changes it or it is in the cache already', () => {
    const manifest = ['kind: Pod', 'spec:', '  containers:', '    - image: nginx', `    - image: ${C}/quay/acme/app:2.1`, '    - image: gcr.io/x/y:1', ''].join('\n');
    expect(pulled(manifest)).toEqual([
      { line: 4, reference: 'nginx', uri: `${C}/docker-hub/library/nginx` },
      { line: 5, reference: `${C}/quay/acme/app:2.1`, uri: `${C}/quay/acme/app:2.1` },
    ]);
  });

  it('joins the tag and digest Helm values write apart: tag, digest, and kube-prometheus-stack sha; says why when there is none', () => {
    const values = [
      'controller:',
      '  image:',
      '    registry: registry.k8s.io',
      '    image: ingress-nginx/controller',
      '    tag: "v1.11.2"',
      `    digest: ${DIGEST}`,
      'prometheusOperator:',
      '  image:',
      '    registry: quay.io',
      '    repository: prometheus-operator/prometheus-operator',
      '    tag: 1.10',
      `    sha: ${'ab'.repeat(32)}`,
      'redis:',
      '  image:',
      '    repository: bitnami/redis',
      '',
    ].join('\n');
    expect(pulled(values)).toEqual([
      { line: 3, reference: `registry.k8s.io/ingress-nginx/controller:v1.11.2@${DIGEST}`, uri: `${C}/k8s/ingress-nginx/controller:v1.11.2@${DIGEST}` },
      { line: 9, reference: `quay.io/prometheus-operator/prometheus-operator:1.10@${DIGEST}`, uri: `${C}/quay/prometheus-operator/prometheus-operator:1.10@${DIGEST}` },
      { line: 15, reference: 'bitnami/redis', uri: `${C}/docker-hub/bitnami/redis`, unversioned: expect.stringMatching(/no tag or digest: the chart renders its own appVersion/) },
    ]);
  });

  it("takes a Kustomize image's newTag and digest, and says when the tag is the resources'", () => {
    const kustomization = ['resources: [deployment.yaml]', 'images:', '  - name: nginx', '    newTag: "1.27"', '  - name: quay.io/acme/app', `    digest: ${DIGEST}`, '  - name: quay.io/acme/other', ''].join('\n');
    expect(pulled(kustomization)).toEqual([
      { line: 3, reference: 'nginx:1.27', uri: `${C}/docker-hub/library/nginx:1.27` },
      { line: 5, reference: `quay.io/acme/app@${DIGEST}`, uri: `${C}/quay/acme/app@${DIGEST}` },
      { line: 7, reference: 'quay.io/acme/other', uri: `${C}/quay/acme/other`, unversioned: expect.stringMatching(/keeps the tag of the resources it overrides/) },
    ]);
  });
});
