/**
 * The account and region a stack already knows, as aws-cdk's constructs take them from their Stack: what a construct
 * uses when it is not told. Values only known at plan are tokens; the checks leave their formats alone (isToken).
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import type { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformProvider, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { nameElement } from './addresses';
import { isToken } from './tokens';

/** The address name of the data sources read for the stack's account and region: `data.aws_region.cache_registry`. */
export const STACK_REGISTRY_ADDRESS = 'cache_registry';

/**
 * The stack's default AWS provider: the one without an alias, which every resource without a `provider` uses
 * (Terraform allows one per configuration).
 */
function defaultAwsProvider(stack: TerraformStack): AwsProvider | undefined {
  return stack.node
    .findAll()
    .filter((node) => TerraformProvider.isTerraformProvider(node) && node.terraformResourceType === 'aws')
    .map((node) => node as AwsProvider)
    .find((provider) => provider.alias === undefined);
}

/** The stack's data source `id` of `type`, created once. */
function stackDataSource<T extends IConstruct>(scope: IConstruct, id: string, create: (stack: TerraformStack) => T): T {
  const stack = TerraformStack.of(scope);
  return (stack.node.tryFindChild(id) as T | undefined) ?? create(stack);
}

/**
 * The region the stack's resources are created in: its default AWS provider's `region` when set (a literal or a
 * token), else `data.aws_region.cache_registry`'s `region` (the provider's region from its environment, AWS provider 6).
 */
export function stackRegion(scope: IConstruct): string {
  const given = defaultAwsProvider(TerraformStack.of(scope))?.region;
  if (given !== undefined) return given;
  return stackDataSource(scope, 'ecr-pull-through-cache-region', (stack) => {
    const region = new DataAwsRegion(stack, 'ecr-pull-through-cache-region', {});
    nameElement(region, STACK_REGISTRY_ADDRESS);
    return region;
  }).region;
}

/**
 * The account the stack's resources are created in: the one account its default AWS provider allows
 * (`allowed_account_ids`, with which an apply under any other account fails), else
 * `data.aws_caller_identity.cache_registry`'s `account_id`: the account of the credentials Terraform runs with.
 */
export function stackAccount(scope: IConstruct): string {
  const allowed = defaultAwsProvider(TerraformStack.of(scope))?.allowedAccountIds;
  if (allowed?.length === 1 && !isToken(allowed[0])) return allowed[0];
  return stackDataSource(scope, 'ecr-pull-through-cache-account', (stack) => {
    const identity = new DataAwsCallerIdentity(stack, 'ecr-pull-through-cache-account', {});
    nameElement(identity, STACK_REGISTRY_ADDRESS);
    return identity;
  }).accountId;
}
