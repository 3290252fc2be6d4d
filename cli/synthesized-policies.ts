/**
 * The IAM policies the stacks write, read from the stacks as synthesis writes them (cdk.tf.json): which policies each
 * role is given, the registry's permissions policy, and each creation template's repository policy and tags. What
 * `can-pull` evaluates is therefore exactly what Terraform would apply.
 */
import type { Environment } from '../config/environments';
import { type StackResources, stackReference, synthesizedStacks } from './synthesized-stacks';

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[] | Record<string, unknown>;
}

/** A policy document and what a reader calls it: its stack, its Terraform address, and its name where it has one. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface RolePolicies {
  /** The policy documents the stack writes and gives the role: attached managed policies and inline policies. */
  readonly policies: readonly NamedPolicy[];
  /** Policies attached by ARN whose documents the stack does not write (AWS managed ones): not evaluated. */
  readonly notEvaluated: readonly string[];
}

export interface CreationTemplate {
  readonly repositoryPolicy?: NamedPolicy;
  /** The tags ECR puts on every repository the template creates. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The policies of one synthesized stack. */
export interface StackPolicies {
  readonly stackName: string;
  /** By role name. */
  readonly roles: ReadonlyMap<string, RolePolicies>;
  readonly registryPolicy?: NamedPolicy;
  /** By template prefix (`ROOT` for none). */
  readonly templates: ReadonlyMap<string, CreationTemplate>;
}

type Resources = StackResources;

/** A value of the synthesized stack with a reference to another of its resources' arguments resolved. */
function resolved(resources: Resources, value: unknown): { value?: string; address?: string } {
  if (typeof value !== 'string') return {};
  const reference = stackReference(value);
  if (!reference) return { value };
  const { type, name, attribute } = reference;
  const target = resources[type]?.[name];
  const address = `${type}.${name}`;
  return { address, ...(typeof target?.[attribute] === 'string' ? { value: target[attribute] } : {}) };
}

function parseDocument(value: unknown, where: string): PolicyDocument {
  if (typeof value !== 'string') throw new Error(`${where}: the synthesized policy is not a JSON string`);
  return JSON.parse(value) as PolicyDocument;
}

/** Reads the policies out of one stack's Terraform JSON. */
export function stackPolicies(stackName: string, config: { resource?: Resources }): StackPolicies {
  const resources = config.resource ?? {};
  const of = (type: string) => Object.entries(resources[type] ?? {});
  const roles = new Map<string, { policies: NamedPolicy[]; notEvaluated: string[] }>();
  const roleEntry = (name: string) => {
    let entry = roles.get(name);
    if (!entry) roles.set(name, (entry = { policies: [], notEvaluated: [] }));
    return entry;
  };
  const roleName = (value: unknown, where: string): string => {
    const role = resolved(resources, value).value;
    if (role === undefined) throw new Error(`${stackName}: ${where}: its role is not one the stack names`);
    return role;
  };

  for (const [name, attachment] of of('aws_iam_role_policy_attachment')) {
    const where = `aws_iam_role_policy_attachment.${name}`;
    const entry = roleEntry(roleName(attachment.role, where));
    const policy = resolved(resources, attachment.policy_arn);
    const [type, policyName] = policy.address?.split('.') ?? [];
    const document = type === 'aws_iam_policy' ? resources.aws_iam_policy?.[policyName] : undefined;
    if (document) {
      entry.policies.push({ name: `${policy.address} of ${stackName}`, document: parseDocument(document.policy, `${stackName} ${policy.address}`) });
    } else {
      entry.notEvaluated.push(policy.value ?? String(attachment.policy_arn));
    }
  }
  for (const [name, inline] of of('aws_iam_role_policy')) {
    const where = `aws_iam_role_policy.${name}`;
    roleEntry(roleName(inline.role, where)).policies.push({ name: `${where} of ${stackName}`, document: parseDocument(inline.policy, `${stackName} ${where}`) });
  }

  const registry = of('aws_ecr_registry_policy')[0];
  const templates = new Map<string, CreationTemplate>();
  for (const [name, template] of of('aws_ecr_repository_creation_template')) {
    const where = `aws_ecr_repository_creation_template.${name}`;
    templates.set(String(template.prefix), {
      ...(template.repository_policy !== undefined
        ? { repositoryPolicy: { name: `${where}.repository_policy of ${stackName}`, document: parseDocument(template.repository_policy, `${stackName} ${where}`) } }
        : {}),
      tags: (template.resource_tags as Record<string, string> | undefined) ?? {},
    });
  }
  return {
    stackName,
    roles,
    ...(registry
      ? { registryPolicy: { name: `aws_ecr_registry_policy.${registry[0]} of ${stackName}`, document: parseDocument(registry[1].policy, `${stackName} aws_ecr_registry_policy.${registry[0]}`) } }
      : {}),
    templates,
  };
}

export interface SynthesizedPolicies {
  readonly environments: readonly Environment[];
  /** By stack name. */
  readonly stacks: ReadonlyMap<string, StackPolicies>;
}

/** The policies of every stack of a folder's environments, as synthesis writes them (synthesized-stacks.ts). */
export function synthesizedPolicies(environmentsFolder: string): SynthesizedPolicies {
  const { environments, resources } = synthesizedStacks(environmentsFolder);
  const stacks = new Map(environments.map((environment) => [environment.stackName, stackPolicies(environment.stackName, { resource: resources.get(environment.stackName) })] as const));
  return { environments, stacks };
}
