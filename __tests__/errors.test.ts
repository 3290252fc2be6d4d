import { reportError, UserError } from '../config/errors';
import { EnvironmentError } from '../config/environments';

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
