import { reportError, UserError } from '../config/errors';
import { EnvironmentError } from '../config/environments';
import { deletedSecrets, type PlanJson } from '../scripts/offline-terraform';

describe('reportError', () => {
  let printed: unknown[];
  beforeEach(() => {
    printed = [];
    vi.spyOn(console, 'error').mockImplementation((first: unknown) => void printed.push(first));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.ECR_CACHE_DEBUG;
  });

  it('prints a user error as its message and returns its exit code', () => {
    expect(reportError(new EnvironmentError([{ file: 'environments/prod.yaml', path: ['region'], message: 'is required' }]))).toBe(1);
    expect(reportError(new UserError('ecr-cache: nothing to do', 2))).toBe(2);
    expect(printed).toEqual(['environments/prod.yaml: region: is required', 'ecr-cache: nothing to do']);
  });

  it('prints anything else as one line, and the stack only when asked', () => {
    expect(reportError(new Error('node role "x" is named twice'))).toBe(1);
    expect(printed).toEqual(['error: node role "x" is named twice (set ECR_CACHE_DEBUG=1 for where)']);
    process.env.ECR_CACHE_DEBUG = '1';
    const error = new Error('again');
    reportError(error);
    // The error itself, which the console prints with its stack.
    expect(printed[1]).toBe(error);
  });
});

describe('deletedSecrets', () => {
  const change = (type: string, actions: string[], name?: string) => ({
    address: `${type}.x_${actions.join('_')}`,
    type,
    change: { actions, before: name === undefined ? null : { name } },
  });

  it('names the credential secrets a plan deletes or replaces, and nothing else', () => {
    const plan = {
      planned_values: { root_module: {} },
      resource_changes: [
        change('aws_secretsmanager_secret', ['delete'], 'ecr-pullthroughcache/docker-hub'),
        change('aws_secretsmanager_secret', ['delete', 'create'], 'ecr-pullthroughcache/github'),
        change('aws_secretsmanager_secret', ['create']),
        change('aws_secretsmanager_secret', ['no-op'], 'ecr-pullthroughcache/quay'),
        change('aws_ecr_pull_through_cache_rule', ['delete']),
      ],
    } as PlanJson;
    expect(deletedSecrets(plan)).toEqual([
      'aws_secretsmanager_secret.x_delete (ecr-pullthroughcache/docker-hub)',
      'aws_secretsmanager_secret.x_delete_create (ecr-pullthroughcache/github)',
    ]);
  });
});
