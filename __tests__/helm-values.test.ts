/**
 * Helm values written the way ingress-nginx, Bitnami and kube-prometheus-stack write theirs (fixtures of our own, in
 * their shape), rewritten, then rendered as each chart's templates build the image string: what renders after must be
 * the cache URI of what rendered before, never a reference from another upstream.
 */
import { parse } from 'yaml';
import { cacheImageUri } from '../lib/images/cache-uri';
import { loadEnvironment } from '../config/environments';
import { rewriteImages, type UnmappedImage } from '../lib/images/manifest-rewrite';
import { FIXTURE_ENVIRONMENTS } from './support/stacks';

const dev = loadEnvironment('dev', FIXTURE_ENVIRONMENTS);
const toCache = (reference: string) => cacheImageUri(dev, reference);
const C = '111111111111.dkr.ecr.eu-west-2.amazonaws.com';
const DIGEST = `sha256:${'5e'.repeat(32)}`;

type Values = Record<string, unknown>;
const at = (values: Values, path: string): Values => path.split('.').reduce<Values>((node, key) => (node?.[key] ?? {}) as Values, values);
const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * ingress-nginx (charts/ingress-nginx/templates/controller-deployment.yaml): `merge .Values.controller.image
 * .Values.global.image`, then `{{ if .repository }}{{ .repository }}{{ else }}{{ .registry }}/{{ include
 * "ingress-nginx.image" . }}{{ end }}`; merge keeps the image's own non-empty keys.
 */
const ingressNginx = (values: Values, path: string) => {
  const image = at(values, path);
  const registry = text(image.registry) || text(at(values, 'global.image').registry);
  return text(image.repository) || `${registry}/${text(image.image)}`;
};

/** Bitnami's common.images.image and kube-prometheus-stack's templates: `global.imageRegistry`, else the image's `registry`. */
const bitnami = (values: Values, path: string) => {
  const image = at(values, path);
  const registry = text(at(values, 'global').imageRegistry) || text(image.registry);
  return registry ? `${registry}/${text(image.repository)}` : text(image.repository);
};

/** Rewrites `source`; every image at `paths` must render, after, as the cache URI of what it rendered before. */
function rewriteAndRender(source: string, render: (values: Values, path: string) => string, paths: readonly string[]) {
  const result = rewriteImages(source, toCache);
  const [before, after] = [parse(source) as Values, parse(result.text) as Values];
  for (const path of paths) expect({ path, renders: render(after, path) }).toEqual({ path, renders: toCache(render(before, path)) });
  expect(rewriteImages(result.text, toCache).text).toBe(result.text);
  return result;
}

const reasons = (unmapped: readonly UnmappedImage[]) => unmapped.map((image) => [image.line, image.reference, image.reason]);

describe('ingress-nginx values', () => {
  const VALUES = `global:
  image:
    # -- Registry host to pull images from.
    registry: registry.k8s.io
controller:
  name: controller
  image:
    chroot: false
    # registry: registry.k8s.io
    image: ingress-nginx/controller
    ## or the whole reference in repository:
    tag: "v1.12.1"
    digest: ${DIGEST}
    pullPolicy: IfNotPresent
    runAsUser: 101
  admissionWebhooks:
    patch:
      enabled: true
      image:
        image: ingress-nginx/kube-webhook-certgen
        tag: v1.5.2
        digest: ${DIGEST}
        pullPolicy: IfNotPresent
defaultBackend:
  enabled: false
  image:
    image: defaultbackend-amd64
    tag: "1.5"
    pullPolicy: IfNotPresent
`;
  const PATHS = ['controller.image', 'controller.admissionWebhooks.patch.image', 'defaultBackend.image'];

  it('takes the registry from global.image.registry: that one line changes, and every image renders from the cache', () => {
    const result = rewriteAndRender(VALUES, ingressNginx, PATHS);
    expect(result.text).toBe(VALUES.replace('    registry: registry.k8s.io\n', `    registry: ${C}/k8s\n`));
    expect(result.changes).toEqual([
      { line: 10, from: 'registry.k8s.io/ingress-nginx/controller', to: `${C}/k8s/ingress-nginx/controller` },
      { line: 20, from: 'registry.k8s.io/ingress-nginx/kube-webhook-certgen', to: `${C}/k8s/ingress-nginx/kube-webhook-certgen` },
      { line: 27, from: 'registry.k8s.io/defaultbackend-amd64', to: `${C}/k8s/defaultbackend-amd64` },
    ]);
    expect(result.unmapped).toEqual([]);
  });

  it("rewrites an image's own registry and the global one alike, whichever the chart reads", () => {
    const values = VALUES.replace('    # registry: registry.k8s.io\n', '    registry: registry.k8s.io\n');
    const result = rewriteAndRender(values, ingressNginx, PATHS);
    expect(result.text.match(new RegExp(`registry: ${C}/k8s\n`, 'g'))).toHaveLength(2);
    expect(result.changes.map((change) => change.line)).toEqual([9, 20, 27]);
  });

  it('rewrites a repository, which replaces registry and image, as the whole reference', () => {
    const values = VALUES.replace('    ## or the whole reference in repository:\n', '    repository: registry.k8s.io/ingress-nginx/controller\n');
    const result = rewriteAndRender(values, ingressNginx, PATHS);
    expect(result.text).toContain(`    repository: ${C}/k8s/ingress-nginx/controller\n`);
    expect(result.text).toContain(`    registry: ${C}/k8s\n`);
  });

  it('leaves a name with no registry anywhere to Docker Hub, as it renders', () => {
    const values = 'controller:\n  image:\n    image: ingress-nginx/controller\n    tag: "v1.12.1"\n';
    expect(rewriteImages(values, toCache).text).toBe(`controller:\n  image:\n    image: ${C}/docker-hub/ingress-nginx/controller\n    tag: "v1.12.1"\n`);
  });
});

describe('Bitnami values', () => {
  const VALUES = `global:
  imageRegistry: ""
  imagePullSecrets: []
image:
  registry: docker.io
  repository: bitnami/redis
  tag: 7.4.2-debian-12-r6
  digest: ""
  pullPolicy: IfNotPresent
sentinel:
  image:
    registry: docker.io
    repository: bitnami/redis-sentinel
    tag: 7.4.2-debian-12-r6
metrics:
  image:
    registry: docker.io
    repository: bitnami/redis-exporter
    tag: 1.67.0-debian-12-r9
volumePermissions:
  image:
    registry: docker.io
    repository: bitnami/os-shell
    tag: 12-debian-12-r40
`;
  const PATHS = ['image', 'sentinel.image', 'metrics.image', 'volumePermissions.image'];

  it("rewrites each image's registry when global.imageRegistry is empty", () => {
    const result = rewriteAndRender(VALUES, bitnami, PATHS);
    expect(result.text).toBe(VALUES.replaceAll('registry: docker.io\n', `registry: ${C}/docker-hub\n`));
  });

  it('rewrites global.imageRegistry, which wins over the images\' own, and theirs too', () => {
    const values = VALUES.replace('imageRegistry: ""', 'imageRegistry: docker.io');
    const result = rewriteAndRender(values, bitnami, PATHS);
    expect(result.text).toBe(values.replace('imageRegistry: docker.io', `imageRegistry: ${C}/docker-hub`).replaceAll('registry: docker.io\n', `registry: ${C}/docker-hub\n`));
    expect(result.changes.map((change) => change.from)).toEqual(PATHS.map((path) => `docker.io/${text(at(parse(values) as Values, path).repository)}`));
  });

  it('splits every registry at the cache host when one value cannot serve each name (an official image beside bitnami/)', () => {
    const values = `${VALUES.replace('imageRegistry: ""', 'imageRegistry: docker.io')}init:\n  image:\n    registry: docker.io\n    repository: busybox\n    tag: "1.37"\n`;
    const result = rewriteAndRender(values, bitnami, [...PATHS, 'init.image']);
    expect(result.text).toContain(`  imageRegistry: ${C}\n`);
    expect(result.text).toContain(`    registry: ${C}\n    repository: docker-hub/library/busybox\n`);
    expect(result.text).toContain(`  registry: ${C}\n  repository: docker-hub/bitnami/redis\n`);
  });
});

describe('kube-prometheus-stack values', () => {
  const VALUES = `global:
  rbac:
    create: true
  ## Global image registry to use if it needs to be overridden
  imageRegistry: ""
alertmanager:
  alertmanagerSpec:
    image:
      registry: quay.io
      repository: prometheus/alertmanager
      tag: v0.28.1
      sha: ""
prometheusOperator:
  admissionWebhooks:
    patch:
      image:
        registry: ghcr.io
        repository: jkroepke/kube-webhook-certgen
        tag: 1.5.1
        sha: ""
  image:
    registry: quay.io
    repository: prometheus-operator/prometheus-operator
    # if not set appVersion field from Chart.yaml is used
    tag: ""
    sha: ""
  prometheusDefaultBaseImage: prometheus/prometheus
  prometheusDefaultBaseImageRegistry: quay.io
  prometheusConfigReloader:
    image:
      registry: quay.io
      repository: prometheus-operator/prometheus-config-reloader
      tag: ""
  thanosImage:
    registry: quay.io
    repository: thanos/thanos
    tag: v0.37.2
`;
  const PATHS = ['alertmanager.alertmanagerSpec.image', 'prometheusOperator.admissionWebhooks.patch.image', 'prometheusOperator.image', 'prometheusOperator.prometheusConfigReloader.image', 'prometheusOperator.thanosImage'];

  it('rewrites every registry, thanosImage included; a registry named for the key beside it holds back no image below', () => {
    const result = rewriteAndRender(VALUES, bitnami, PATHS);
    expect(result.text).toBe(VALUES.replaceAll('registry: quay.io\n', `registry: ${C}/quay\n`).replace('registry: ghcr.io\n', `registry: ${C}/github\n`));
  });

  it('with global.imageRegistry set, every image comes from its upstream through the cache whichever registry the chart reads', () => {
    const values = VALUES.replace('imageRegistry: ""', 'imageRegistry: quay.io');
    const result = rewriteAndRender(values, bitnami, PATHS);
    expect(result.text).toContain(`  imageRegistry: ${C}/quay\n`);
    // The chart reads the global one: the certgen's own ghcr.io is not what renders, but it goes through the cache too.
    expect(result.text).toContain(`        registry: ${C}/github\n`);
  });
});

describe('what rewrite leaves, and why', () => {
  it('leaves an image that a registry at another level may be put before', () => {
    const values = 'images:\n  registry: quay.io\n  operator:\n    repository: acme/operator\n    tag: v1\n';
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(values);
    expect(reasons(result.unmapped)).toEqual([
      [4, 'acme/operator', `images.registry (quay.io, line 2) may be put before it, and rewrite does not know how this chart joins them`],
    ]);
  });

  it('leaves an image string a global registry may be put before, and still rewrites that registry for the images it serves', () => {
    const values = 'global:\n  image:\n    registry: registry.k8s.io\ncontroller:\n  image:\n    image: ingress-nginx/controller\n    tag: v1\nhelper:\n  image: pause:3.10\n';
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(values.replace('registry: registry.k8s.io', `registry: ${C}/k8s`));
    expect(reasons(result.unmapped)).toEqual([
      [
        9,
        'pause:3.10',
        `the chart may render it as pause:3.10 or as registry.k8s.io/pause:3.10 (with global.image.registry), and no one edit gives each its cache URI`,
      ],
    ]);
  });

  it('does not rewrite a shared registry that would send an image it leaves to another repository', () => {
    // docker.io + busybox renders Docker Hub's library/busybox: <cache>/docker-hub + busybox would not.
    const values = 'global:\n  image:\n    registry: docker.io\nkubectl:\n  image:\n    image: bitnami/kubectl\n    tag: "1.32"\nhelper:\n  image: busybox\n';
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(values);
    expect(reasons(result.unmapped).map(([line, reference]) => [line, reference])).toEqual([
      [6, 'docker.io/bitnami/kubectl'],
      [9, 'busybox'],
    ]);
    expect(result.unmapped[0].reason).toMatch(/^global\.image\.registry \(line 3\) cannot change for it: busybox \(line 9\), which rewrite leaves, reads it too/);
  });

  it('leaves an image whose registry is a block scalar, and says so', () => {
    const values = 'image:\n  registry: >-\n    quay.io\n  repository: acme/app\n  tag: v1\n';
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(values);
    expect(result.unmapped.map((image) => image.reason)).toEqual([`image.registry is a block scalar (| or >), left as written (the cache would serve it as ${C}/quay/acme/app)`]);
  });

  it('reports an image a rule serves under one reading but not another, as without a rule', () => {
    const values = 'global:\n  imageRegistry: mcr.microsoft.com\nimage:\n  registry: quay.io\n  repository: acme/app\n';
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(values);
    expect(result.unmapped).toEqual([{ line: 4, reference: 'mcr.microsoft.com/acme/app', reason: 'no rule in environment dev pulls through from mcr.microsoft.com', noRule: true }]);
  });
});

describe('images inside arguments, commands and environment values', () => {
  it("reports, and leaves, the images in a container's args, command and env, and nothing else there", () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus-operator}
spec:
  template:
    spec:
      containers:
      - name: operator
        image: quay.io/prometheus-operator/prometheus-operator:v0.80.0
        args:
        - --kubelet-service=kube-system/kubelet
        - --localhost=127.0.0.1
        - --prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0
        - --web.listen-address=0.0.0.0:10250
        - --config-file=/etc/operator/config.yaml
        command: [/bin/sh, -c, "exec /bin/operator --thanos-default-base-image=quay.io/thanos/thanos"]
        env:
        - {name: SIDECAR_IMAGE, value: "docker.io/library/busybox:1.37"}
        - {name: UPSTREAM, value: "http://example.com/api/v1"}
        - {name: OTHER, value: "mcr.microsoft.com/dotnet/runtime:8.0"}
`;
    const result = rewriteImages(manifest, toCache);
    expect(result.text).toBe(manifest.replace('image: quay.io/', `image: ${C}/quay/`));
    expect(result.unmapped.map((image) => [image.line, image.reference, image.reason, image.noRule])).toEqual([
      [13, 'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0', `in the container's args, which rewrite does not edit (the cache would serve it as ${C}/quay/prometheus-operator/prometheus-config-reloader:v0.80.0)`, false],
      [16, 'quay.io/thanos/thanos', `in the container's command, which rewrite does not edit (the cache would serve it as ${C}/quay/thanos/thanos)`, false],
      [18, 'docker.io/library/busybox:1.37', `in the container's env SIDECAR_IMAGE, which rewrite does not edit (the cache would serve it as ${C}/docker-hub/library/busybox:1.37)`, false],
      [20, 'mcr.microsoft.com/dotnet/runtime:8.0', "in the container's env OTHER, which rewrite does not edit (and no rule in environment dev pulls through from mcr.microsoft.com)", true],
    ]);
  });

  it('reports the images in the argument and environment values of Helm values, and a registry joined to a key beside it', () => {
    const values = `controller:
  extraArgs:
    default-ssl-certificate: ingress/tls
    default-backend-image: registry.k8s.io/defaultbackend-amd64:1.5
  extraEnvs:
  - name: HELPER
    value: ghcr.io/acme/helper:v2
prometheusOperator:
  extraArgs:
  - --prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0
  prometheusDefaultBaseImage: prometheus/prometheus
  prometheusDefaultBaseImageRegistry: quay.io
`;
    const result = rewriteImages(values, toCache);
    expect(result.text).toBe(values);
    expect(result.unmapped.map((image) => [image.line, image.reference, image.reason])).toEqual([
      [4, 'registry.k8s.io/defaultbackend-amd64:1.5', `in controller.extraArgs, which rewrite does not edit (the cache would serve it as ${C}/k8s/defaultbackend-amd64:1.5)`],
      [7, 'ghcr.io/acme/helper:v2', `in controller.extraEnvs, which rewrite does not edit (the cache would serve it as ${C}/github/acme/helper:v2)`],
      [10, 'quay.io/prometheus-operator/prometheus-config-reloader:v0.80.0', `in prometheusOperator.extraArgs, which rewrite does not edit (the cache would serve it as ${C}/quay/prometheus-operator/prometheus-config-reloader:v0.80.0)`],
      [
        11,
        'quay.io/prometheus/prometheus',
        'the chart joins prometheusOperator.prometheusDefaultBaseImageRegistry (line 12) and prometheusOperator.prometheusDefaultBaseImage in a way rewrite does not know, ' +
          `and does not edit them (the cache would serve it as ${C}/quay/prometheus/prometheus)`,
      ],
    ]);
  });
});
