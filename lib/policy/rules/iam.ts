import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Token } from 'cdktf';
import { IAM_DATA, iamCatalogue, resourceMatchesArnFormat } from '../../aws/iam-catalogue';
import { REGISTRY_LOGIN_ACTION } from '../../aws/perms';
import type { CheckedResource, Config, PolicyRule } from '../rule';

interface Statement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The Allow statements of every policy document a resource carries, where they are literal JSON. */
function allowStatements(resource: CheckedResource): Statement[] {
  const documents: unknown[] = [];
  if (resource.type === IamPolicy.tfResourceType || resource.type === IamRolePolicy.tfResourceType) documents.push(resource.config.policy);
  if (resource.type === IamRole.tfResourceType) {
    for (const inline of (resource.config.inline_policy as Config[] | undefined) ?? []) documents.push(inline.policy);
  }
  return documents.flatMap((document) => {
    if (typeof document !== 'string' || Token.isUnresolved(document)) return [];
    const statements = (JSON.parse(document) as { Statement?: Statement | Statement[] }).Statement;
    return (Array.isArray(statements) ? statements : statements ? [statements] : []).filter((statement) => statement.Effect === 'Allow');
  });
}

/**
 * The arguments of each resource type that hold an IAM policy document: identity, trust and resource policies,
 * inline policies as `inline_policy.policy`.
 */
const POLICY_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  [IamPolicy.tfResourceType]: ['policy'],
  [IamRolePolicy.tfResourceType]: ['policy'],
  [IamRole.tfResourceType]: ['assume_role_policy', 'inline_policy.policy'],
  aws_iam_user_policy: ['policy'],
  aws_iam_group_policy: ['policy'],
  aws_ecr_registry_policy: ['policy'],
  aws_ecr_repository_policy: ['policy'],
  aws_ecr_repository_creation_template: ['repository_policy'],
  aws_kms_key: ['policy'],
  aws_secretsmanager_secret: ['policy'],
  aws_secretsmanager_secret_policy: ['policy'],
};

interface AnyStatement extends Statement {
  readonly Sid?: string;
}

/** Every statement of every policy document a resource carries, where the document is literal JSON, with where it is. */
function statementsWithPlace(resource: CheckedResource): { readonly place: string; readonly statement: AnyStatement }[] {
  const documents = (POLICY_ARGUMENTS[resource.type] ?? []).flatMap((argument) => {
    const [name, nested] = argument.split('.');
    const value = resource.config[name];
    if (nested === undefined) return [{ argument, document: value }];
    return ((value as Config[] | undefined) ?? []).map((block, index) => ({ argument: `${name}[${index}].${nested}`, document: block[nested] }));
  });
  return documents.flatMap(({ argument, document }) => {
    if (typeof document !== 'string' || Token.isUnresolved(document) || !document.trimStart().startsWith('{')) return [];
    let statements: AnyStatement | AnyStatement[] | undefined;
    try {
      statements = (JSON.parse(document) as { Statement?: AnyStatement | AnyStatement[] }).Statement;
    } catch {
      return [];
    }
    return [statements ?? []].flat().map((statement, index) => ({
      place: `${argument}, statement ${statement.Sid !== undefined ? `"${statement.Sid}"` : `#${index + 1} (no Sid)`}`,
      statement,
    }));
  });
}

/** What the catalogue says is wrong with one action of a statement, or undefined. */
function catalogueProblem(action: string, resources: readonly string[]): string | undefined {
  // A reference Terraform fills in (`${...}`) is not known at synth; "*" alone is every action (PTC-IAM2's concern).
  if (action === '*' || action.includes('${')) return undefined;
  const [prefix, name, ...rest] = action.split(':');
  if (name === undefined || rest.length > 0 || prefix === '' || name === '') return `"${action}" is not service:Action`;
  const catalogue = iamCatalogue();
  const service = catalogue.service(prefix);
  if (!service) return `"${action}": the IAM catalogue has no service "${prefix}"`;
  if (/[*?]/.test(name)) {
    const pattern = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`, 'i');
    return [...service.actions.values()].some((known) => pattern.test(known.name)) ? undefined : `"${action}" matches no ${prefix} action`;
  }
  const known = service.actions.get(name.toLowerCase());
  if (!known) return `"${action}" is not an action of ${prefix}`;
  const named = resources.filter((resource) => resource !== '*' && !resource.includes('${'));
  if (named.length === 0) return undefined;
  if (known.resourceTypes.length === 0) return `"${action}" takes no resource but "*", not ${named.map((resource) => `"${resource}"`).join(', ')}`;
  const foreign = named.filter((resource) => !known.resourceTypes.some((type) => resourceMatchesArnFormat(resource, type.arn)));
  if (foreign.length === 0) return undefined;
  const takes = known.resourceTypes.map((type) => `${type.name} (${type.arn})`).join(', ');
  return `"${action}" does not take ${foreign.map((resource) => `"${resource}"`).join(', ')}: it takes ${takes}`;
}

/** Actions IAM cannot scope to a resource: "*" is their only resource, as checkov CKV_AWS_355 also allows. */
const UNSCOPABLE_ACTIONS: readonly string[] = [REGISTRY_LOGIN_ACTION];

const onStar = (items: readonly string[]) => `allows ${items.join(', ')} on "*"`;
const wildcards = (items: readonly string[]) => `allows ${items.join(', ')}`;

/** The problems of a resource's policies by action, for PTC-IAM3: an acknowledgement names the actions. */
function catalogueFindings(resource: CheckedResource): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const { place, statement } of statementsWithPlace(resource)) {
    const resources = asList(statement.Resource);
    for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) {
      const problem = catalogueProblem(action, statement.NotAction !== undefined && asList(statement.NotAction).includes(action) ? [] : resources);
      if (problem) found.set(action, [...(found.get(action) ?? []), `${place}: ${problem}`]);
    }
  }
  return found;
}

const catalogueMessage = (problems: readonly string[]) => `${problems.join('; ')} (IAM catalogue ${IAM_DATA} ${iamCatalogue().version})`;

export const IAM_RULES: readonly PolicyRule[] = [
  {
    id: 'PTC-IAM1',
    title: 'IAM policy allows actions on every resource ("*")',
    mirrors: 'checkov CKV_AWS_355, trivy AVD-AWS-0057',
    describe: onStar,
    check: (resource) => {
      const actions = allowStatements(resource)
        .filter((statement) => asList(statement.Resource).includes('*'))
        .flatMap((statement) => asList(statement.Action))
        .filter((action) => !UNSCOPABLE_ACTIONS.includes(action));
      return actions.length > 0 ? { message: onStar(actions), items: actions } : undefined;
    },
  },
  {
    id: 'PTC-IAM2',
    title: 'IAM policy allows wildcard actions',
    mirrors: 'checkov CKV_AWS_63, trivy AVD-AWS-0057',
    describe: wildcards,
    check: (resource) => {
      const found = allowStatements(resource).flatMap((statement) => [
        ...asList(statement.Action).filter((action) => action.includes('*')),
        ...asList(statement.NotAction).map((action) => `NotAction ${action}`),
      ]);
      return found.length > 0 ? { message: wildcards(found), items: found } : undefined;
    },
  },
  {
    id: 'PTC-IAM3',
    title: "policy names an action AWS does not have, or a resource its action does not take",
    mirrors: "none in checkov or trivy: IAM Access Analyzer's policy validation does it against AWS, after deploy",
    check: (resource) => {
      if (POLICY_ARGUMENTS[resource.type] === undefined) return undefined;
      const found = catalogueFindings(resource);
      if (found.size === 0) return undefined;
      const describeItems = (items: readonly string[]) => catalogueMessage(items.flatMap((item) => found.get(item) ?? []));
      return { message: describeItems([...found.keys()]), items: [...found.keys()], describeItems };
    },
  },
];
