import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Token } from 'cdktf';
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

/** Actions IAM cannot scope to a resource: "*" is their only resource, as checkov CKV_AWS_355 also allows. */
const UNSCOPABLE_ACTIONS: readonly string[] = [REGISTRY_LOGIN_ACTION];

const onStar = (items: readonly string[]) => `allows ${items.join(', ')} on "*"`;
const wildcards = (items: readonly string[]) => `allows ${items.join(', ')}`;

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
];
