/** The node roles that pull through the cache: one to create, existing ones, or both; each once. */
import { terraformName } from '../../lib/aws/names';
import { CREATED_NODE_ROLE_ADDRESS, createdNodeRole } from '../environment';
import type { FileCheck } from './context';

export const nodeRoles: FileCheck = ({ settings, name, add, warn }) => {
  if (!settings) return;
  const createRole = createdNodeRole(settings, name);
  const existingRoles = settings.nodes?.existingRoles ?? [];
  existingRoles.forEach((role, index) => {
    const path = ['nodes', 'existingRoles', index];
    const sameName = existingRoles.findIndex((other) => terraformName(other) === terraformName(role));
    if (role === createRole) add(path, `"${role}" is the role this stack creates (createRole)`);
    else if (existingRoles.indexOf(role) !== index) add(path, `"${role}" is listed twice`);
    else if (sameName !== index) add(path, `"${role}" and "${existingRoles[sameName]}" would share the Terraform address name ${terraformName(role)}`);
    else if (createRole !== undefined && terraformName(role) === CREATED_NODE_ROLE_ADDRESS) {
      add(path, `"${role}" would share the Terraform address name ${CREATED_NODE_ROLE_ADDRESS} of the role this stack creates`);
    }
  });
  if (createRole === undefined && existingRoles.length === 0) {
    add(['nodes'], 'with createRole: false, list existingRoles: otherwise no node may pull through the cache');
  }
  // A node role's nodes join a cluster only once it has an access entry (EKS user guide, "Create access entries":
  // type EC2_LINUX) or an aws-auth mapping: the stack creates the entry when it knows the cluster.
  if (createRole !== undefined && settings.nodes?.cluster === undefined) {
    warn(settings.nodes?.createRole === undefined ? ['nodes'] : ['nodes', 'createRole'], nodeRoleNeedsAccess(createRole));
  }
  if (createRole === undefined && settings.nodes?.cluster !== undefined) {
    add(['nodes', 'cluster'], 'gives the access entry of the role this stack creates, and createRole is false: remove it');
  }
};

/** Why a created node role without `nodes.cluster` cannot serve nodes yet, and the fix. */
function nodeRoleNeedsAccess(role: string): string {
  return `the node role ${role} this stack creates has no EKS access entry, so its nodes cannot join a cluster: set nodes.cluster (the stack then creates an EC2_LINUX entry), or map the role in aws-auth yourself`;
}
